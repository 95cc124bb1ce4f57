#!/usr/bin/env bash
# Runs `morsa blob-id` and `morsa encode` (the 2n sliver files written to a temporary directory)
# on a 1 GiB file (or $SIZE_MIB MiB) under a memory limit and reports wall time and peak RSS;
# fails if a command fails or its peak RSS exceeds $MAX_RSS_MIB. OPERATIONS="blob-id" runs one.
#
# The limit is a cgroup memory.max (systemd-run --scope) when available, else an address-space
# limit (prlimit --as / ulimit -v) of $LIMIT_MIB, which is stricter than RSS: it also counts
# reserved-but-unused address space (thread stacks, malloc arenas; MALLOC_ARENA_MAX=2 keeps the
# latter small). Streaming keeps memory independent of the file size, so the same limit holds
# for a 10 GiB file (SIZE_MIB=10240).
#
#   scripts/memory_bound.sh                # 1 GiB, limit 384 MiB, peak RSS must be <= 256 MiB
#   SIZE_MIB=10240 OPERATIONS=blob-id scripts/memory_bound.sh
set -euo pipefail

OPERATIONS=${OPERATIONS:-blob-id encode}

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
OUT=$(mktemp -d)
trap 'rm -rf "$TIMEFILE" "$OUT"' EXIT
limited() {
    local cmd=(/usr/bin/time -f "%e %M" -o "$TIMEFILE" "$@")
    if command -v systemd-run >/dev/null 2>&1 && systemd-run --scope --quiet -p MemoryMax=1G true >/dev/null 2>&1; then
        method="cgroup memory.max=${LIMIT_MIB}M (systemd-run --scope), swap off"
        systemd-run --scope --quiet -p "MemoryMax=${LIMIT_MIB}M" -p MemorySwapMax=0 "${cmd[@]}"
    elif command -v prlimit >/dev/null 2>&1; then
        method="address-space limit ${LIMIT_MIB} MiB (prlimit --as)"
        prlimit --as=$((LIMIT_MIB * 1048576)) "${cmd[@]}"
    else
        method="address-space limit ${LIMIT_MIB} MiB (ulimit -v)"
        bash -c 'ulimit -v "$0"; exec "$@"' $((LIMIT_MIB * 1024)) "${cmd[@]}"
    fi
}

status=0
for operation in $OPERATIONS; do
    case "$operation" in
        blob-id) limited "$MORSA" blob-id --n-shards "$N_SHARDS" "$FILE" >/dev/null ;;
        encode) rm -rf "$OUT/slivers"; limited "$MORSA" encode --n-shards "$N_SHARDS" "$FILE" --out "$OUT/slivers" >/dev/null ;;
        *) echo "unknown operation $operation (blob-id, encode)" >&2; exit 2 ;;
    esac
    read -r wall rss_kib < "$TIMEFILE"
    rss_mib=$((rss_kib / 1024))
    echo "$operation of $SIZE_MIB MiB, n_shards = $N_SHARDS, under $method: wall ${wall} s, peak RSS ${rss_mib} MiB (bound ${MAX_RSS_MIB} MiB)"
    if [ "$rss_mib" -gt "$MAX_RSS_MIB" ]; then
        echo "FAIL: $operation: peak RSS above the bound" >&2
        status=1
    fi
    rm -rf "$OUT/slivers"
done
exit $status
