"""Private blobs' figures: what encryption adds to a store and a read.

Usage: python scripts/bench_private.py [--sizes 1,10,100] [--nodes 4] [--n-shards 100] [--runs 3]

Plain stores get fresh random bytes each run (a blob stored before is only "already certified").

1. The core alone (``_native.seal_encrypt_blob`` / ``seal_decrypt_blob``, 3 key servers,
   threshold 2, AES-256-GCM in 16 MiB chunks): MiB/s for each size.
2. A fresh devnet with 3 key servers: for each size, the median wall time of a plain store and
   read against a private one (encrypt + store; read + fetch 2 keys + decrypt), and the median
   time of a key fetch alone (two of three key servers, each answer verified).

All timings on this machine, one after the other; compare within a run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from morsa import _native
from morsa.devnet import Devnet
from morsa.net.accounts import Account
from morsa.net.keyservers import POLICY_PACKAGE_ID
from morsa.net.sync import run_sync
from morsa.seal import ObjectInfo

MIB = 1 << 20


def timed(fn, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def core(sizes: list[int], runs: int) -> None:
    masters = [_native.SealMasterKey.from_seed(os.urandom(32)) for _ in range(3)]
    servers = [(os.urandom(32), m.public_key) for m in masters]
    inner_id = os.urandom(48)
    full_id = POLICY_PACKAGE_ID + inner_id
    keys = [(i, masters[i].user_secret_key(full_id)) for i in (0, 2)]
    public_keys = [m.public_key for m in masters]
    print("core (3 key servers, threshold 2, AES-256-GCM, 16 MiB chunks)")
    print(f"{'MiB':>6} {'chunks':>6} {'encrypt s':>10} {'MiB/s':>7} {'decrypt s':>10} {'MiB/s':>7}")
    for size in sizes:
        data = os.urandom(size * MIB)
        enc, blob = timed(lambda data=data: _native.seal_encrypt_blob(os.urandom(32), servers, 2, POLICY_PACKAGE_ID, inner_id, data), runs)
        assert isinstance(blob, bytes)
        dec, plain = timed(lambda blob=blob: _native.seal_decrypt_blob(blob, keys, public_keys), runs)
        assert plain == data
        chunks = ObjectInfo(*_native.seal_parse_blob(blob)).chunks
        print(f"{size:>6} {chunks:>6} {enc:>10.3f} {size / enc:>7.0f} {dec:>10.3f} {size / dec:>7.0f}")


def network(sizes: list[int], runs: int, nodes: int, n_shards: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        net = Devnet.create(tmp, nodes, n_shards)
        try:
            net.up()
            account = Account.generate()
            net.fund(account.address, 10**15)
            client = net.client(account=account)
            private = client.private
            print(f"\ndevnet ({nodes} nodes, {n_shards} shards, 3 key servers, threshold 2): median of {runs}")
            print(f"{'MiB':>6} {'store s':>8} {'private store s':>16} {'read s':>7} {'private read s':>15}")
            for size in sizes:
                data = os.urandom(size * MIB)
                # Fresh bytes for every plain store (a blob stored before is only "already certified").
                fresh = iter([os.urandom(size * MIB) for _ in range(runs)])
                store, stored = timed(lambda fresh=fresh: client.store(next(fresh)), runs)
                pstore, pstored = timed(lambda data=data: private.store(data, policy="owner:bench"), runs)
                read, _ = timed(lambda stored=stored: client.read(stored.blob_id), runs)  # type: ignore[attr-defined]
                pread, plain = timed(lambda pstored=pstored: private.read(pstored.blob_id), runs)  # type: ignore[attr-defined]
                assert plain == data
                print(f"{size:>6} {store:>8.2f} {pstore:>16.2f} {read:>7.2f} {pread:>15.2f}")
            blob = client.read(pstored.blob_id)  # type: ignore[attr-defined]
            info = ObjectInfo(*_native.seal_parse_blob(blob))
            fetch, _ = timed(lambda: run_sync(private.afetch_keys(info)), max(runs, 20))
            print(f"\nkey fetch (2 of 3 key servers, answers verified): median {fetch * 1000:.1f} ms over {max(runs, 20)}")
        finally:
            net.down()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100", help="MiB, comma-separated (default 1,10,100)")
    parser.add_argument("--nodes", type=int, default=4)
    parser.add_argument("--n-shards", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    core(sizes, args.runs)
    network(sizes, args.runs, args.nodes, args.n_shards)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
