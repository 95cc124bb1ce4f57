#!/usr/bin/env python3
"""Prints the performance table (operation, size, n_shards, wall s, MB/s, peak RSS) of the
`morsa` CLI, the Python API's decoder and, when bindings-wasm/pkg exists (bash
bindings-wasm/build.sh), the WASM build in Node.

Each case runs in a fresh process, `--runs` times (default 3); the median wall time and the
largest peak RSS (`ru_maxrss` of the child, the whole process) are reported. Inputs are random
files created once under --dir. Cases:

* blob-id (CLI): `morsa blob-id FILE`, streamed;
* encode (CLI): `morsa encode FILE --out DIR`, the 2n sliver files written (bounded memory);
* decode (API): `morsa.decode` from p primary slivers already in memory (the systematic ones,
  and a random set, which needs Reed-Solomon decoding), Walrus's default consistency check;
  the wall time is the decode call alone (loading the slivers is not counted), MB/s is of
  output;
* blob-id (WASM, node): `blobId(bytes)` of the WASM build, single-threaded, file read first.

    scripts/bench.py                     # 1 MiB, 100 MiB, 1 GiB
    scripts/bench.py --sizes 1M,100M --runs 5 --markdown
    scripts/bench.py --only blob-id,encode
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def human(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size >= UNITS[unit] and size % UNITS[unit] == 0:
            return f"{size // UNITS[unit]} {unit}iB"
    return f"{size} B"


def ensure_file(directory: Path, size: int) -> Path:
    path = directory / f"random-{size}"
    if not path.exists() or path.stat().st_size != size:
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            left = size
            while left:
                chunk = min(left, 16 << 20)
                f.write(os.urandom(chunk))
                left -= chunk
        tmp.rename(path)
    return path


def run(cmd: list[str], before: Callable[[], None] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one child process. A child that prints a line
    `seconds=X` reports its own wall time (of the operation alone)."""
    if before is not None:
        before()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err}")
    for line in output.splitlines():
        if line.startswith("seconds="):
            wall = float(line.removeprefix("seconds="))
    return wall, usage.ru_maxrss * 1024


DECODE_SCRIPT = """
import random, sys, time
from pathlib import Path
import morsa
directory, which = Path(sys.argv[1]), sys.argv[2]
metadata = morsa.BlobMetadata.from_bytes((directory / "metadata.bcs").read_bytes())
n, p = metadata.n_shards, metadata.config.n_primary_source_symbols
chosen = range(p) if which == "systematic" else sorted(random.Random(8).sample(range(n), p))
slivers = [morsa.Sliver.from_bytes((directory / f"primary-{i}.bcs").read_bytes(), "primary") for i in chosen]
start = time.perf_counter()
blob = morsa.decode(metadata, slivers, "default")
print(f"seconds={time.perf_counter() - start}")
assert len(blob) == metadata.unencoded_length
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M,100M,1G")
    parser.add_argument("--n-shards", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "morsa-bench")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--no-wasm", action="store_true")
    parser.add_argument("--only", default="blob-id,encode,decode,wasm", help="cases to run (comma-separated)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))

    morsa = shutil.which("morsa") or str(Path(sys.executable).parent / "morsa")
    wasm_index = ROOT / "bindings-wasm" / "js" / "index.js"
    wasm_ready = (ROOT / "bindings-wasm" / "pkg" / "morsa_wasm_bg.wasm").exists()
    node = shutil.which("node")
    Case = tuple[str, str, list[str], int, "Callable[[], None] | None"]
    cases: list[Case] = []
    for size in (parse_size(s) for s in args.sizes.split(",")):
        path = ensure_file(args.dir, size)
        label = human(size)
        shards = ["--n-shards", str(args.n_shards)]
        if "blob-id" in only:
            cases.append(("blob-id (CLI)", label, [morsa, "blob-id", *shards, str(path)], size, None))
        out = args.dir / f"slivers-{size}-{args.n_shards}"
        if "encode" in only or "decode" in only:
            clear = lambda out=out: shutil.rmtree(out, ignore_errors=True)  # noqa: E731
            encode = [morsa, "encode", *shards, str(path), "--out", str(out)]
            if "encode" in only:
                cases.append(("encode to sliver files (CLI)", label, encode, size, clear))
        if "decode" in only:
            prepare = lambda encode=encode, out=out: (out / "metadata.bcs").exists() or run(encode)  # noqa: E731
            for which in ("systematic", "random"):
                cmd = [sys.executable, "-c", DECODE_SCRIPT, str(out), which]
                cases.append((f"decode, p {which} primary slivers (API)", label, cmd, size, prepare))
        if "wasm" in only and not args.no_wasm and node and wasm_ready and size <= 100 << 20:
            script = (
                f"import {{ init, blobId }} from {str(wasm_index)!r}; import {{ readFileSync }} from 'node:fs';"
                f"await init(); const d = readFileSync({str(path)!r});"
                f"const t = performance.now(); blobId(d, {args.n_shards});"
                f"console.log('seconds=' + (performance.now() - t) / 1000);"
            )
            cases.append(("blob-id (WASM, node)", label, [node, "--input-type=module", "-e", script], size, None))

    rows = []
    for name, size_text, cmd, size, before in cases:
        walls, rss = [], 0
        try:
            for _ in range(args.runs):
                wall, peak = run(cmd, before)
                walls.append(wall)
                rss = max(rss, peak)
        except SystemExit as e:
            print(f"skipped {name} {size_text}: {e}", file=sys.stderr)
            continue
        wall = statistics.median(walls)
        rows.append((name, size_text, str(args.n_shards), f"{wall:.2f}", f"{size / wall / 1e6:.1f}", f"{rss / (1 << 20):.0f} MiB"))

    header = ("operation", "size", "n_shards", "wall s (median)", "MB/s", "peak RSS")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    print(f"\nmachine: {os.cpu_count()} CPUs, {os.uname().sysname} {os.uname().machine}; {args.runs} runs per case, "
          f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
