#!/usr/bin/env bash
# Runs `morsa blob-id` on a 1 GiB file (or $SIZE_MIB MiB) under a memory limit and reports its
# wall time and peak RSS; fails if the command fails or the peak RSS exceeds $MAX_RSS_MIB.
#
# The limit is a cgroup memory.max (systemd-run --scope) when available, else an address-space
# limit (prlimit --as / ulimit -v) of $LIMIT_MIB, which is stricter than RSS: it also counts
# reserved-but-unused address space (thread stacks, malloc arenas; MALLOC_ARENA_MAX=2 keeps the
# latter small). Streaming keeps memory independent of the file size, so the same limit holds
# for a 10 GiB file (SIZE_MIB=10240).
#
#   scripts/memory_bound.sh                # 1 GiB, limit 384 MiB, peak RSS must be <= 256 MiB
#   SIZE_MIB=10240 scripts/memory_bound.sh
set -euo pipefail

SIZE_MIB=${SIZE_MIB:-1024}
LIMIT_MIB=${LIMIT_MIB:-384}
MAX_RSS_MIB=${MAX_RSS_MIB:-256}
N_SHARDS=${N_SHARDS:-1000}
DIR=${DIR:-${TMPDIR:-/tmp}/morsa-bench}
MORSA=${MORSA:-$(command -v morsa || true)}
if [ -z "$MORSA" ]; then
    echo "morsa CLI not found: activate the virtualenv (maturin develop in bindings-py)" >&2
    exit 2
fi
mkdir -p "$DIR"
FILE="$DIR/random-$((SIZE_MIB * 1048576))"
if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -ne $((SIZE_MIB * 1048576)) ]; then
    echo "creating $FILE ($SIZE_MIB MiB of random bytes)" >&2
    head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$FILE.tmp" && mv "$FILE.tmp" "$FILE"
fi

export MALLOC_ARENA_MAX=2
TIMEFILE=$(mktemp)
trap 'rm -f "$TIMEFILE"' EXIT
cmd=(/usr/bin/time -f "%e %M" -o "$TIMEFILE" "$MORSA" blob-id --n-shards "$N_SHARDS" "$FILE")
if command -v systemd-run >/dev/null 2>&1 && systemd-run --scope --quiet -p MemoryMax=1G true >/dev/null 2>&1; then
    method="cgroup memory.max=${LIMIT_MIB}M (systemd-run --scope), swap off"
    run=(systemd-run --scope --quiet -p "MemoryMax=${LIMIT_MIB}M" -p MemorySwapMax=0 "${cmd[@]}")
elif command -v prlimit >/dev/null 2>&1; then
    method="address-space limit ${LIMIT_MIB} MiB (prlimit --as)"
    run=(prlimit --as=$((LIMIT_MIB * 1048576)) "${cmd[@]}")
else
    method="address-space limit ${LIMIT_MIB} MiB (ulimit -v)"
    run=(bash -c 'ulimit -v "$0"; exec "$@"' $((LIMIT_MIB * 1024)) "${cmd[@]}")
fi

echo "blob-id of $SIZE_MIB MiB, n_shards = $N_SHARDS, under $method" >&2
"${run[@]}"
read -r wall rss_kib < "$TIMEFILE"
rss_mib=$((rss_kib / 1024))
echo "wall ${wall} s, peak RSS ${rss_mib} MiB (bound ${MAX_RSS_MIB} MiB)"
if [ "$rss_mib" -gt "$MAX_RSS_MIB" ]; then
    echo "FAIL: peak RSS above the bound" >&2
    exit 1
fi
