"""Store and read throughput and peak memory on a local 10-node devnet.

Usage: python scripts/bench_network.py [--nodes 10] [--n-shards 1000] [--sizes-mb 1 31 100]

Starts a devnet in a temporary directory, stores and reads back random blobs of each size with
`morsa.client.Client` in this process, and prints, per size: store and read wall time and MB/s,
and the peak RSS (VmHWM) of this client process, of the largest storage node, of the control
plane. Stops the devnet at the end. Figures, not assertions: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from morsa.devnet import Devnet


def vm_hwm_mib(pid: int) -> float:
    """Peak resident set size of a process in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--n-shards", type=int, default=1000)
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[1, 31, 100])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="morsa-bench-") as tmp:
        net = Devnet.create(tmp, args.nodes, args.n_shards)
        try:
            net.up()
            client = net.client(timeout=600)
            print(f"devnet: {args.nodes} storage nodes, {args.n_shards} shards, client in this process (pid {os.getpid()})")
            header = f"{'size MB':>8} {'store s':>8} {'store MB/s':>10} {'read s':>7} {'read MB/s':>9} {'client MiB':>10} {'node MiB':>9} {'chain MiB':>9}"
            print(header)
            print("-" * len(header))
            for size_mb in args.sizes_mb:
                data = os.urandom(int(size_mb * 1_000_000))
                t0 = time.perf_counter()
                blob_id = client.store(data).blob_id
                t1 = time.perf_counter()
                back = client.read(blob_id)
                t2 = time.perf_counter()
                assert back == data, "read back different bytes"
                client_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                node_mib = max(vm_hwm_mib(n.pid) for n in net.nodes)
                chain_mib = vm_hwm_mib(net.chain.pid)
                mb = len(data) / 1e6
                print(
                    f"{mb:>8.1f} {t1 - t0:>8.2f} {mb / (t1 - t0):>10.1f} {t2 - t1:>7.2f} {mb / (t2 - t1):>9.1f}"
                    f" {client_mib:>10.0f} {node_mib:>9.0f} {chain_mib:>9.0f}"
                )
        finally:
            net.down()
    print("peak RSS figures are cumulative over the run (VmHWM / ru_maxrss)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
