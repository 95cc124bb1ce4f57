#!/usr/bin/env python3
"""Prints the performance table (operation, size, n_shards, wall s, MB/s, peak RSS) of the
`morsa` CLI and, when bindings-wasm/pkg exists (built with `--target nodejs`), of the WASM
build in Node.

Each case runs in a fresh process, `--runs` times (default 3); the median wall time and the
largest peak RSS (`ru_maxrss` of the child, the whole process) are reported. Inputs are random
files created once under --dir.

    scripts/bench.py                     # 1 MiB, 100 MiB, 1 GiB blob IDs with the CLI
    scripts/bench.py --sizes 1M,100M --runs 5 --markdown
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
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


def run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err}")
    return wall, usage.ru_maxrss * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M,100M,1G")
    parser.add_argument("--n-shards", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "morsa-bench")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--no-wasm", action="store_true")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)

    morsa = shutil.which("morsa") or str(Path(sys.executable).parent / "morsa")
    wasm_pkg = ROOT / "bindings-wasm" / "pkg"
    node = shutil.which("node")
    cases: list[tuple[str, str, list[str], int]] = []
    for size in (parse_size(s) for s in args.sizes.split(",")):
        path = ensure_file(args.dir, size)
        cases.append(("blob-id (CLI)", human(size), [morsa, "blob-id", "--n-shards", str(args.n_shards), str(path)], size))
        if not args.no_wasm and node and (wasm_pkg / "package.json").exists() and size <= 1 << 30:
            script = (
                f"const m=require({str(wasm_pkg)!r});const fs=require('fs');"
                f"const d=fs.readFileSync({str(path)!r});"
                f"const f=m.blobId||m.blob_id||m.computeBlobId;if(!f)throw new Error('no blobId export');"
                f"console.log(f(d,{args.n_shards}));"
            )
            cases.append(("blob-id (WASM, node)", human(size), [node, "-e", script], size))

    rows = []
    for name, size_text, cmd, size in cases:
        walls, rss = [], 0
        try:
            for _ in range(args.runs):
                wall, peak = run(cmd)
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
