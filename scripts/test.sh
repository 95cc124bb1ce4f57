#!/usr/bin/env bash
# Quick start, part 2: runs every test. This is what CI runs (.ci/run).
#
#  1. Rust: unit, conformance (official Walrus vectors), property and no-panic suites;
#  2. the no_std core for a bare-metal target (with and without an allocator) and wasm32;
#  3. clippy with warnings denied, rustfmt;
#  4. Python: ruff, mypy (strict) and stubtest, the import graph, then the test suite against
#     the installed `morsa` package and command;
#  5. JS: the WebAssembly package built and tested in Node and headless Chromium;
#  6. fuzzing: every cargo-fuzz target for a short, fixed time on its committed corpus.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

bash scripts/setup.sh

# Tools only the tests need (the demo does not): the fuzzing toolchain and a headless browser.
# Nightly and cargo-fuzz for the fuzz targets (fuzz/).
if command -v rustup >/dev/null && ! rustup toolchain list | grep -q '^nightly'; then
  say "rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal >&2
fi
if ! command -v cargo-fuzz >/dev/null; then
  say "cargo install cargo-fuzz"
  cargo install cargo-fuzz --locked >&2
fi

# Headless Chromium for the browser test of the WebAssembly package (Debian's package; the
# npm playwright-core drives it, see bindings-wasm/tests/).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then
  say "apt-get install chromium"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi

# shellcheck disable=SC1091
. "${MORSA_VENV:-$ROOT/.venv}/bin/activate"

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --exclude morsa-fuzz --locked -- -D warnings

say "cargo test (Rust suites)"
cargo test --workspace --exclude morsa-py --exclude morsa-fuzz --locked

say "no_std builds of morsa-core for thumbv7em-none-eabihf (alloc, no allocator at all, BLS without an allocator, Seal)"
cargo build -p morsa-core --no-default-features --features alloc --target thumbv7em-none-eabihf --locked
cargo build -p morsa-core --no-default-features --target thumbv7em-none-eabihf --locked
cargo build -p morsa-core --no-default-features --features bls --target thumbv7em-none-eabihf --locked  # BLS verification, no allocator
cargo build -p morsa-core --no-default-features --features seal --target thumbv7em-none-eabihf --locked  # Seal encryption (alloc)
say "wasm32 build"
cargo build -p morsa-wasm --target wasm32-unknown-unknown --locked

say "Python: ruff, mypy (strict) and stubtest of the native module's stub"
ruff check .
(cd bindings-py && mypy)
python -m mypy.stubtest morsa._native --allowlist bindings-py/stubtest-allowlist.txt
python scripts/import_cycles.py

say "pytest (Python suites against the installed package)"
cd "$ROOT/tests/python"
python -m pytest -q -p no:cacheprovider

say "WebAssembly package: build (bindings-wasm/build.sh), then the JS suites against it (node --test)"
cd "$ROOT"
bash bindings-wasm/build.sh
node --test bindings-wasm/tests/

say "fuzzing: each cargo-fuzz target for ${MORSA_FUZZ_SECONDS:-20} s on its committed corpus (new inputs go to a temporary directory)"
cd "$ROOT"
fuzz_tmp="$(mktemp -d)"
trap 'rm -rf "$fuzz_tmp"' EXIT
cargo +nightly fuzz build -O
fuzz_passed=0
for target in $(cargo +nightly fuzz list); do
  mkdir -p "$fuzz_tmp/$target"
  if ! cargo +nightly fuzz run -O "$target" "$fuzz_tmp/$target" "fuzz/corpus/$target" -- \
      -max_total_time="${MORSA_FUZZ_SECONDS:-20}" -print_final_stats=1 > "$fuzz_tmp/$target.log" 2>&1; then
    tail -40 "$fuzz_tmp/$target.log" >&2
    echo "fuzz target $target failed; the crashing input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  echo "fuzz $target: $(grep -E '^stat::number_of_executed_units' "$fuzz_tmp/$target.log" | awk '{print $2}') executions, coverage $(grep -oE 'cov: [0-9]+' "$fuzz_tmp/$target.log" | tail -1)" >&2
  fuzz_passed=$((fuzz_passed + 1))
done
echo "fuzz: ${fuzz_passed} passed, 0 failed"
