"""The upload relay's figures: a blob of ``--size`` MiB stored through ``POST /v1/blob-upload-relay``.

Usage: python scripts/bench_relay.py [--size 100] [--nodes 10] [--n-shards 1000]

A fresh devnet, plus a daemon of its own that takes bodies of the blob's size. The client
computes the blob's metadata and registers it (paying), posts the bytes to the relay, checks the
certificate it answers against the committee and certifies: the work of ``morsa store FILE
--upload-relay URL``. Prints the wall time of each step and the relay's peak RSS (``VmHWM``),
and checks that the blob reads back.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import morsa
from morsa.devnet import Devnet
from morsa.net.server import free_port
from morsa.net.sync import run_sync


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100, help="MiB (default 100)")
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--n-shards", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="morsa-relay-"))
    net = Devnet.create(work / "devnet", args.nodes, args.n_shards)
    net.up()
    port = free_port()
    relay_url = f"http://127.0.0.1:{port}"
    relay = subprocess.Popen(
        [sys.executable, "-m", "morsa", "daemon", "run", "--chain", net.chain_url, "--port", str(port),
         "--max-body-size", str((args.size + 1) * 1024), "--cache-size", "0", "--cache-dir", str(work / "cache")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{relay_url}/status", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        client = net.client(timeout=600)
        data = os.urandom(args.size << 20)
        t0 = time.perf_counter()
        metadata = morsa.compute_metadata(data, args.n_shards)
        t1 = time.perf_counter()
        run_sync(client.control.register_blob(metadata, epochs_ahead=1, deletable=False, account=client.account))  # type: ignore[arg-type]
        t2 = time.perf_counter()
        answer = httpx.post(f"{relay_url}/v1/blob-upload-relay", params={"blob_id": metadata.blob_id}, content=data, timeout=1200)
        answer.raise_for_status()
        t3 = time.perf_counter()
        import base64

        certificate = base64.b64decode(answer.json()["confirmation_certificate"]["certificate"])
        verified = morsa.Certificate.from_bytes(certificate).verify(client.committee().committee, kind="confirmation")
        assert verified.blob_id == metadata.blob_id
        run_sync(client.control.certify_blob(metadata.blob_id, certificate))
        t4 = time.perf_counter()
        rss = peak_rss_mib(relay.pid)
        assert client.read(metadata.blob_id) == data
        print(f"{args.size} MiB through the upload relay ({args.nodes} nodes, {args.n_shards} shards):")
        print(f"  client: metadata {t1 - t0:.2f} s, register {t2 - t1:.2f} s, certificate check + certify {t4 - t3:.2f} s")
        print(f"  relay:  encode + upload + confirmations {t3 - t2:.2f} s; peak RSS {rss:.0f} MiB")
        print(f"  total {t4 - t0:.2f} s; certificate weight {verified.signer_weight} of {args.n_shards}; read back and equal")
        return 0
    finally:
        relay.terminate()
        relay.wait(30)
        net.down()


if __name__ == "__main__":
    sys.exit(main())
