#!/usr/bin/env bash
# Builds the morsa-wasm package into bindings-wasm/pkg/ (idempotent):
#   1. installs wasm-bindgen-cli at the version pinned in Cargo.toml, only if missing;
#   2. npm ci (binaryen's wasm-opt, playwright-core for the browser test);
#   3. cargo build --release for wasm32-unknown-unknown with SIMD (simd128: every current browser,
#      Node >= 16; it selects the simd128 Reed-Solomon engine and the two-lane BLAKE2b kernel);
#   4. wasm-bindgen --target web into pkg/ (the same files run in browsers, workers and Node);
#   5. wasm-opt -Oz (debug info and names are dropped here, not in the native release profile).
#
# Usage: bash bindings-wasm/build.sh   (CARGO_TARGET_DIR is honoured)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

version="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$HERE/Cargo.toml")"
[ -n "$version" ] || { echo "no pinned wasm-bindgen version in $HERE/Cargo.toml" >&2; exit 2; }
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$version" ]; then
  say "cargo install wasm-bindgen-cli $version (a few minutes, once)"
  # Without --locked: with it the install fails on a dependency version the registry lacks.
  cargo install wasm-bindgen-cli --version "$version" >&2
fi
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown >&2
fi

cd "$HERE"
if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci (bindings-wasm)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

say "cargo build --release --target wasm32-unknown-unknown -p morsa-wasm"
cd "$ROOT"
# For this build only (the native release profile is unchanged): fat LTO and one codegen unit
# make the module 4% smaller at the same speed; debug info would be stripped below anyway.
# simd128 makes blob IDs about 2-4x faster (1 MiB and 100 MiB at 1000 shards, Node 20).
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128" CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_DEBUG=0 \
  cargo build --release --locked --target wasm32-unknown-unknown -p morsa-wasm >&2
target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$target_dir" in /*) ;; *) target_dir="$ROOT/$target_dir" ;; esac
wasm="$target_dir/wasm32-unknown-unknown/release/morsa_wasm.wasm"

say "wasm-bindgen --target web → bindings-wasm/pkg/"
rm -rf "$HERE/pkg.tmp"
wasm-bindgen --target web --out-dir "$HERE/pkg.tmp" --out-name morsa_wasm "$wasm"

say "wasm-opt -Oz"
"$HERE/node_modules/.bin/wasm-opt" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  --enable-reference-types --enable-multivalue --enable-simd \
  "$HERE/pkg.tmp/morsa_wasm_bg.wasm" -o "$HERE/pkg.tmp/morsa_wasm_bg.wasm"
rm -rf "$HERE/pkg" && mv "$HERE/pkg.tmp" "$HERE/pkg"

raw=$(stat -c %s "$HERE/pkg/morsa_wasm_bg.wasm")
gz=$(gzip -9 -c "$HERE/pkg/morsa_wasm_bg.wasm" | wc -c)
say "bindings-wasm/pkg/morsa_wasm_bg.wasm: $raw bytes, $gz bytes gzipped (-9)"
