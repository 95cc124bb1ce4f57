#!/usr/bin/env python3
"""Prints the network performance table (operation, size, wall s, MB/s, client peak RSS,
busiest node peak RSS, notes) of a fresh local devnet: `morsa store`, `morsa read`, and the
aggregator's `GET /v1/blobs/{id}` (first uncached read, load test, Range read).

The script creates its own devnet in a temporary directory (`morsa devnet up --dir DIR --nodes
10 --n-shards 1000`) and stops it with `morsa devnet down --dir DIR --purge` at the end, also
on failure or Ctrl-C (`--keep` keeps DIR and its logs). It uses only the `morsa` command line
and the daemon's HTTP API, and reads the processes' PIDs and URLs from DIR/devnet.json.

Cases (`--only`, comma-separated; default all):

* store: `morsa store FILE --devnet DIR --no-progress` of each --sizes (default 1K,100M; plus
  4G with --large), a new random file per run, so nothing is already certified;
* read: `morsa read BLOB_ID --devnet DIR --out FILE --no-progress` of a blob of each
  --read-sizes (default 100M) stored by this script; the output's SHA-256 must equal the input's;
* aggregator: (a) the first, uncached `GET {daemon}/v1/blobs/{id}` of a freshly stored 1 MiB blob
  (a new blob per run); (b) a load test: --clients (default 32,8) concurrent clients reading one
  (already cached) 1 MiB blob in a loop for --load-seconds (default 20) with aiohttp, in a
  separate process: reads/s, p50 and p99 latency, errors (any response that is not 200 with the
  right length, or a failed request);
* range: `GET /v1/blobs/{id}` with `Range: bytes=a-b` (1 KiB at a random offset) of an
  uncached 100 MiB blob (expects 206 and the right bytes).

    scripts/bench_network.py                          # everything but 4 GiB, 3 runs
    scripts/bench_network.py --large --markdown       # with the 4 GiB store, as a Markdown table
    scripts/bench_network.py --runs 1 --only store,read,aggregator --load-seconds 5
    scripts/bench_network.py --n-shards 100 --sizes 1K,10M --read-sizes 10M --range-blob-size 10M
    scripts/bench_network.py --signatures bls --only store     # a devnet that certifies with BLS12-381
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import human, parse_size  # noqa: E402 - the sizes of the codec benchmark, one copy

CASES = ("store", "read", "aggregator", "range")
MIB = 1 << 20


class BenchError(Exception):
    """A failed command or check: reported as one line, exit status 1."""


# ---------------------------------------------------------------- formatting


def fmt_rate(value: float) -> str:
    return f"{value:.1f}" if value >= 1 else f"{value:.3g}"


def fmt_seconds(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


def fmt_mib(kib: int | None) -> str:
    return "—" if kib is None else f"{kib / 1024:.0f} MiB"


def log(message: str) -> None:
    print(f"[bench_network] {message}", file=sys.stderr, flush=True)


def tail(text: str, lines: int = 3, chars: int = 400) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    out = " | ".join(kept)
    return out if len(out) <= chars else "…" + out[-chars:]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil
    return sorted_values[int(rank) - 1]


# ---------------------------------------------------------------- processes


@dataclass
class Result:
    wall: float
    rss_kib: int  # ru_maxrss of the child (KiB on Linux)
    stdout: str


def run(cmd: list[str], timeout: float, what: str | None = None) -> Result:
    """Run one child process; wall seconds (start to exit), its peak RSS (os.wait4), stdout.
    Raises BenchError (with the tail of stderr) on a non-zero exit or after `timeout` seconds."""
    what = what or " ".join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.daemon = True
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: do not leave the child behind
            with contextlib.suppress(OSError):
                proc.kill()
                os.waitpid(proc.pid, 0)
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if timed_out.is_set():
        raise BenchError(f"`{what}` timed out after {timeout:.0f} s: {tail(stderr) or '(no stderr)'}")
    if proc.returncode != 0:
        raise BenchError(f"`{what}` failed (exit {proc.returncode}): {tail(stderr or stdout) or '(no output)'}")
    return Result(wall, usage.ru_maxrss, stdout)


def morsa_command() -> list[str]:
    script = Path(sys.executable).parent / "morsa"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "morsa"]


def vm_hwm_kib(pid: int) -> int | None:
    """Lifetime peak resident set size (VmHWM) of a process in KiB, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------- files


@dataclass
class Blob:
    path: Path
    size: int
    sha256: str
    blob_id: str = ""


def random_file(directory: Path, size: int) -> Blob:
    """A new file of random bytes, written in 16 MiB chunks (never whole in memory)."""
    fd, name = tempfile.mkstemp(prefix=f"random-{size}-", dir=directory)
    digest = hashlib.sha256()
    with os.fdopen(fd, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 16 * MIB))
            digest.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return Blob(Path(name), size, digest.hexdigest())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(16 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


def read_range(path: Path, start: int, length: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(start)
        return f.read(length)


# ---------------------------------------------------------------- HTTP


async def _get(url: str, headers: dict[str, str], timeout: float) -> tuple[int, dict[str, str], bytes, float]:
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        start = time.perf_counter()
        async with session.get(url, headers=headers) as response:
            body = await response.read()
        seconds = time.perf_counter() - start
        return response.status, dict(response.headers), body, seconds


def http_get(url: str, timeout: float, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes, float]:
    """One GET on a new connection: status, headers, body, seconds from request to last byte."""
    try:
        return asyncio.run(_get(url, headers or {}, timeout))
    except TimeoutError:
        raise BenchError(f"GET {url} timed out after {timeout:.0f} s") from None
    except OSError as e:  # aiohttp.ClientError subclasses include OSError ones
        raise BenchError(f"GET {url} failed: {e}") from None
    except Exception as e:  # noqa: BLE001 - aiohttp.ClientError and friends
        raise BenchError(f"GET {url} failed: {type(e).__name__}: {e}") from None


async def _load(url: str, clients: int, seconds: float, size: int, sha256: str, timeout: float) -> dict[str, object]:
    import aiohttp

    latencies: list[float] = []
    errors: dict[str, int] = {}
    bad_content = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        start = time.perf_counter()
        deadline = start + seconds

        async def client() -> None:
            nonlocal bad_content
            checked = False
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    async with session.get(url) as response:
                        body = await response.read()
                    if response.status != 200:
                        kind = f"HTTP {response.status}"
                    elif len(body) != size:
                        kind = f"length {len(body)}"
                    else:
                        kind = ""
                except (aiohttp.ClientError, TimeoutError, OSError) as e:
                    kind = type(e).__name__
                if kind:
                    errors[kind] = errors.get(kind, 0) + 1
                    continue
                latencies.append(time.perf_counter() - t0)
                if not checked:  # the content of each client's first answer, beyond its length
                    checked = True
                    if hashlib.sha256(body).hexdigest() != sha256:
                        bad_content += 1

        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "clients": clients,
        "elapsed": elapsed,
        "reads": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "bad_content": bad_content,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }


def loadgen_main(args: argparse.Namespace) -> int:
    """The load generator (a child process of the benchmark): prints one JSON object."""
    coro = _load(args.loadgen, args.loadgen_clients, args.load_seconds, args.loadgen_size, args.loadgen_sha256,
                 args.http_timeout)
    result = asyncio.run(asyncio.wait_for(coro, args.load_seconds + args.http_timeout + 30))
    print(json.dumps(result))
    return 0


# ---------------------------------------------------------------- the benchmark


@dataclass
class Row:
    operation: str
    size: str
    wall: str
    rate: str
    client: str
    node: str
    notes: str


@dataclass
class Devnet:
    directory: Path
    morsa: list[str]
    timeout: float
    started: bool = False

    def state(self) -> dict:
        try:
            return json.loads((self.directory / "devnet.json").read_text())
        except (OSError, ValueError) as e:
            raise BenchError(f"cannot read {self.directory / 'devnet.json'}: {e}") from None

    def up(self, nodes: int, n_shards: int, signatures: str = "ed25519") -> None:
        self.started = True
        run([*self.morsa, "devnet", "up", "--dir", str(self.directory), "--nodes", str(nodes), "--n-shards", str(n_shards),
             "--signatures", signatures], self.timeout)

    def down(self, purge: bool) -> None:
        if not self.started:
            return
        self.started = False
        if not (self.directory / "devnet.json").exists():
            return
        cmd = [*self.morsa, "devnet", "down", "--dir", str(self.directory)] + (["--purge"] if purge else [])
        try:
            run(cmd, 120)
        except BenchError as e:
            log(f"{e}; killing the devnet's processes by PID")
            with contextlib.suppress(BenchError):
                state = self.state()
                for proc in [state.get("chain", {}), *state.get("nodes", []), state.get("daemon", {})]:
                    pid = int(proc.get("pid") or 0)
                    if pid > 0 and process_alive(pid):
                        with contextlib.suppress(OSError):
                            if os.getpgid(pid) == pid:
                                os.killpg(pid, signal.SIGKILL)
                            else:
                                os.kill(pid, signal.SIGKILL)

    @property
    def daemon_url(self) -> str:
        return self.state()["daemon"]["url"].rstrip("/")

    def hwm(self) -> tuple[dict[str, int], int | None]:
        """VmHWM (KiB) of every storage node, by name, and of the daemon. A node that is not
        running is a failure: the figures would mean nothing."""
        state = self.state()
        nodes = {}
        for node in state["nodes"]:
            value = vm_hwm_kib(int(node.get("pid") or 0)) if node.get("pid") else None
            if value is None:
                raise BenchError(f"storage node {node['name']} (pid {node.get('pid')}) is not running; see {node.get('log')}")
            nodes[node["name"]] = value
        daemon = state.get("daemon", {})
        return nodes, vm_hwm_kib(int(daemon["pid"])) if daemon.get("pid") else None


@dataclass
class Peaks:
    """Servers' VmHWM around operations: the largest value after, the largest increase."""

    node_after: int = 0
    node_increase: int = 0
    daemon_after: int | None = None
    daemon_increase: int = 0

    def add(self, before: tuple[dict[str, int], int | None], after: tuple[dict[str, int], int | None]) -> None:
        nodes_before, daemon_before = before
        nodes_after, daemon_after = after
        self.node_after = max(self.node_after, *nodes_after.values())
        self.node_increase = max(self.node_increase, *(nodes_after[k] - nodes_before.get(k, 0) for k in nodes_after))
        if daemon_after is not None:
            self.daemon_after = max(self.daemon_after or 0, daemon_after)
            self.daemon_increase = max(self.daemon_increase, daemon_after - (daemon_before or daemon_after))

    def node(self) -> str:
        return f"{self.node_after / 1024:.0f} MiB (+{self.node_increase / 1024:.0f})"

    def daemon(self) -> str:
        if self.daemon_after is None:
            return "daemon —"
        return f"daemon {self.daemon_after / 1024:.0f} MiB (+{self.daemon_increase / 1024:.0f})"


@dataclass
class Bench:
    args: argparse.Namespace
    net: Devnet
    files: Path
    rows: list[Row] = field(default_factory=list)
    fresh: dict[int, list[Blob]] = field(default_factory=dict)  # stored, never read through the daemon
    last: dict[int, Blob] = field(default_factory=dict)  # the last blob stored of each size

    def timeout_for(self, size: int) -> float:
        return self.args.timeout + self.args.timeout_per_mib * size / MIB

    def store(self, size: int) -> tuple[Blob, Result]:
        """`morsa store` of a new random file of `size` bytes."""
        blob = random_file(self.files, size)
        cmd = [*self.net.morsa, "store", str(blob.path), "--devnet", str(self.net.directory), "--no-progress", "--json"]
        try:
            result = run(cmd, self.timeout_for(size), what=f"morsa store {human(size)} file --devnet DIR --no-progress")
            try:
                blob.blob_id = json.loads(result.stdout.strip().splitlines()[-1])["blob_id"]
            except (ValueError, KeyError, IndexError, TypeError):
                raise BenchError(f"`morsa store --json` printed no blob ID: {tail(result.stdout) or '(nothing)'}") from None
        except BaseException:
            blob.path.unlink(missing_ok=True)
            raise
        return blob, result

    def needs_fresh(self, size: int) -> bool:
        only = self.args.only_set
        return ("aggregator" in only and size == self.args.aggregator_size) or (
            "range" in only and size == self.args.range_blob_size)

    def keep(self, blob: Blob) -> None:
        """Keep a blob stored by the store case for the later cases (its file too), or delete
        its file (a 4 GiB file per run adds up)."""
        if self.needs_fresh(blob.size):
            self.fresh.setdefault(blob.size, []).append(blob)
        if "read" in self.args.only_set and blob.size in self.args.read_sizes_list:
            self.set_last(blob)
        elif blob not in self.fresh.get(blob.size, []):
            blob.path.unlink(missing_ok=True)

    def set_last(self, blob: Blob) -> None:
        old = self.last.get(blob.size)
        self.last[blob.size] = blob
        if old is not None and old is not blob and old not in self.fresh.get(blob.size, []):
            old.path.unlink(missing_ok=True)

    def fresh_blob(self, size: int) -> Blob:
        """A certified blob of `size` never requested from the daemon: one stored by the store
        case, or a new one."""
        if self.fresh.get(size):
            return self.fresh[size].pop(0)
        log(f"storing a {human(size)} blob for the next measurement (not timed)")
        return self.store(size)[0]

    def release(self, blob: Blob) -> None:
        """Done with a blob taken from fresh_blob."""
        if self.last.get(blob.size) is not blob:
            blob.path.unlink(missing_ok=True)

    # ---- cases

    def case_store(self, size: int) -> None:
        walls, rss, peaks = [], 0, Peaks()
        for i in range(self.args.runs):
            before = self.net.hwm()
            blob, result = self.store(size)
            peaks.add(before, self.net.hwm())
            self.keep(blob)
            walls.append(result.wall)
            rss = max(rss, result.rss_kib)
            log(f"store {human(size)} run {i + 1}/{self.args.runs}: {result.wall:.2f} s, {blob.blob_id}")
        wall = statistics.median(walls)
        self.rows.append(Row("morsa store", human(size), fmt_seconds(wall), fmt_rate(size / wall / 1e6), fmt_mib(rss),
                             peaks.node(), "new random file per run; whole command"))

    def case_read(self, size: int) -> None:
        blob = self.last.get(size)
        if blob is None:
            log(f"storing a {human(size)} blob to read (not timed)")
            blob = self.store(size)[0]
            self.set_last(blob)
        out = self.files / f"read-{size}"
        walls, rss, peaks = [], 0, Peaks()
        for i in range(self.args.runs):
            out.unlink(missing_ok=True)
            cmd = [*self.net.morsa, "read", blob.blob_id, "--devnet", str(self.net.directory), "--out", str(out),
                   "--no-progress"]
            before = self.net.hwm()
            result = run(cmd, self.timeout_for(size), what=f"morsa read {blob.blob_id} --devnet DIR --out FILE")
            peaks.add(before, self.net.hwm())
            got = file_sha256(out) if out.exists() else "(no file)"
            if got != blob.sha256:
                raise BenchError(f"`morsa read {blob.blob_id}` wrote different bytes: SHA-256 {got} != {blob.sha256} "
                                 f"({out.stat().st_size if out.exists() else 0} of {size} bytes)")
            walls.append(result.wall)
            rss = max(rss, result.rss_kib)
            log(f"read {human(size)} run {i + 1}/{self.args.runs}: {result.wall:.2f} s, SHA-256 ok")
        out.unlink(missing_ok=True)
        wall = statistics.median(walls)
        self.rows.append(Row("morsa read (from nodes)", human(size), fmt_seconds(wall), fmt_rate(size / wall / 1e6),
                             fmt_mib(rss), peaks.node(), "same blob each run; output SHA-256 checked"))

    def case_aggregator_first(self) -> Blob:
        size = self.args.aggregator_size
        walls, peaks = [], Peaks()
        blob = None
        for i in range(self.args.runs):
            if blob is not None:
                self.release(blob)
            blob = self.fresh_blob(size)
            url = f"{self.net.daemon_url}/v1/blobs/{blob.blob_id}"
            before = self.net.hwm()
            status, _, body, seconds = http_get(url, self.timeout_for(size))
            peaks.add(before, self.net.hwm())
            if status != 200:
                raise BenchError(f"GET {url} (uncached): HTTP {status}: {tail(body.decode(errors='replace'))}")
            if len(body) != size or hashlib.sha256(body).hexdigest() != blob.sha256:
                raise BenchError(f"GET {url} (uncached): {len(body)} bytes, not the {size} stored"
                                 if len(body) != size else f"GET {url} (uncached): wrong bytes (SHA-256 differs)")
            walls.append(seconds)
            log(f"aggregator first GET {human(size)} run {i + 1}/{self.args.runs}: {seconds:.3f} s")
        wall = statistics.median(walls)
        self.rows.append(Row("aggregator GET, first (uncached)", human(size), fmt_seconds(wall),
                             fmt_rate(size / wall / 1e6), "—", peaks.node(),
                             f"new blob per run, one GET on a new connection; {peaks.daemon()}"))
        assert blob is not None
        return blob

    def case_load(self, blob: Blob, clients: int) -> None:
        url = f"{self.net.daemon_url}/v1/blobs/{blob.blob_id}"
        status, _, body, _ = http_get(url, self.timeout_for(blob.size))  # warm the cache; not timed
        if status != 200 or len(body) != blob.size:
            raise BenchError(f"GET {url}: HTTP {status}, {len(body)} bytes (expected 200, {blob.size})")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--loadgen", url, "--loadgen-clients", str(clients),
               "--loadgen-size", str(blob.size), "--loadgen-sha256", blob.sha256,
               "--load-seconds", str(self.args.load_seconds), "--http-timeout", str(self.args.http_timeout)]
        results, rss, peaks = [], 0, Peaks()
        for i in range(self.args.runs):
            before = self.net.hwm()
            result = run(cmd, self.args.load_seconds + self.args.http_timeout + 120,
                         what=f"load generator ({clients} clients, {self.args.load_seconds:g} s)")
            peaks.add(before, self.net.hwm())
            r = json.loads(result.stdout.strip().splitlines()[-1])
            if r["reads"] == 0:
                raise BenchError(f"load test, {clients} clients: no successful read of {url} "
                                 f"({r['errors']} errors: {r['error_kinds']})")
            if r["bad_content"]:
                raise BenchError(f"load test, {clients} clients: {r['bad_content']} answers of {url} had the right "
                                 "length but wrong bytes")
            r["rate"] = r["reads"] / r["elapsed"]
            results.append(r)
            rss = max(rss, result.rss_kib)
            log(f"load {clients} clients run {i + 1}/{self.args.runs}: {r['rate']:.1f} reads/s, "
                f"p50 {r['p50']:.3f} s, p99 {r['p99']:.3f} s, {r['errors']} errors {r['error_kinds'] or ''}")
        rate = statistics.median(r["rate"] for r in results)
        p50 = statistics.median(r["p50"] for r in results)
        p99 = statistics.median(r["p99"] for r in results)
        errors = sum(r["errors"] for r in results)
        total = sum(r["reads"] + r["errors"] for r in results)
        kinds: dict[str, int] = {}
        for r in results:
            for k, v in r["error_kinds"].items():
                kinds[k] = kinds.get(k, 0) + v
        error_text = f"{errors} errors of {total} requests" + (
            " (" + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())) + ")" if kinds else "")
        self.rows.append(Row(f"aggregator GET, {clients} clients, {self.args.load_seconds:g} s (cached)",
                             human(blob.size), fmt_seconds(p50), fmt_rate(rate * blob.size / 1e6), fmt_mib(rss),
                             peaks.node(),
                             f"wall = p50 latency; p99 {fmt_seconds(p99)} s; {rate:.1f} reads/s; {error_text}; "
                             f"{peaks.daemon()}"))

    def case_range(self) -> None:
        size, length = self.args.range_blob_size, min(1024, self.args.range_blob_size)
        walls, peaks, notes = [], Peaks(), set()
        rng = random.Random()
        for i in range(self.args.runs):
            blob = self.fresh_blob(size)
            start = rng.randrange(0, size - length + 1)
            end = start + length - 1
            url = f"{self.net.daemon_url}/v1/blobs/{blob.blob_id}"
            before = self.net.hwm()
            status, headers, body, seconds = http_get(url, self.timeout_for(size), {"Range": f"bytes={start}-{end}"})
            peaks.add(before, self.net.hwm())
            expected = read_range(blob.path, start, length)
            if status != 206 or body != expected:
                raise BenchError(f"GET {url} with Range: bytes={start}-{end}: HTTP {status}, {len(body)} bytes"
                                 + (", wrong bytes" if status == 206 and len(body) == length else
                                    f" (expected 206, {length} bytes)"))
            content_range = {k.lower(): v for k, v in headers.items()}.get("content-range")
            if content_range != f"bytes {start}-{end}/{size}":
                notes.add(f"Content-Range was {content_range!r}")
                log(f"warning: Content-Range {content_range!r}, expected 'bytes {start}-{end}/{size}'")
            walls.append(seconds)
            self.release(blob)
            log(f"range GET of {human(size)} blob run {i + 1}/{self.args.runs}: {seconds:.3f} s (offset {start})")
        wall = statistics.median(walls)
        self.rows.append(Row(f"aggregator GET Range, {human(length)} of uncached {human(size)} blob", human(length),
                             fmt_seconds(wall), fmt_rate(length / wall / 1e6), "—", peaks.node(),
                             "; ".join([f"random offset, new blob per run; {peaks.daemon()}", *sorted(notes)])))

    def run_all(self) -> None:
        only = self.args.only_set
        if "store" in only:
            for size in self.args.sizes_list:
                self.case_store(size)
        if "read" in only:
            for size in self.args.read_sizes_list:
                self.case_read(size)
        if "aggregator" in only:
            blob = self.case_aggregator_first()
            for clients in self.args.clients_list:
                self.case_load(blob, clients)
        if "range" in only:
            self.case_range()


# ---------------------------------------------------------------- report


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = " ".join(line.split(":", 1)[1].split())
                break
    ram = "? GiB"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{usable} cores ({model}), {ram} RAM, {platform.system()} {platform.machine()}, Python {platform.python_version()}"


def software(morsa: list[str]) -> str:
    version = "morsa ?"
    with contextlib.suppress(BenchError):
        version = run([*morsa, "--version"], 60).stdout.strip() or version
    commit = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True,
                             timeout=30)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               check=False, capture_output=True, text=True, timeout=30)
        if rev.returncode == 0:
            commit = f", commit {rev.stdout.strip()}" + (" with uncommitted changes" if dirty.stdout.strip() else "")
    return version + commit


def method(args: argparse.Namespace, soft: str, load_before: float) -> str:
    return (
        f"Machine: {machine()}; load average {load_before:.2f} before the run. Software: {soft}. "
        f"A fresh devnet (`morsa devnet up --nodes {args.nodes} --n-shards {args.n_shards} --signatures {args.signatures}`: control plane, "
        f"{args.nodes} storage nodes and the aggregator/publisher daemon, each a process on loopback, on the same "
        "machine as the clients). "
        f"Each figure is the median of {args.runs} run(s). `morsa store`/`morsa read` rows: wall time of the whole "
        "command (a fresh process: interpreter start, encoding, all HTTP traffic, certification), new random "
        "file per store run, read output checked by SHA-256; client peak RSS is the child's `ru_maxrss` "
        "(`os.wait4`), the largest over runs. Busiest node: the storage nodes' `VmHWM` (/proc/PID/status, a "
        "lifetime peak) read before and after each operation; shown is the largest VmHWM over the nodes after it "
        "(which includes everything the node did earlier) and, in parentheses, the largest increase during the "
        "operation. Aggregator rows: `GET /v1/blobs/{id}` from this machine with aiohttp; the first read is one "
        "GET, on a new connection, of a blob stored just before through the nodes and never requested from the "
        "daemon, timed from request to last byte; "
        f"the load tests run N clients (one aiohttp session, connection limit N, in a separate process) that "
        f"read one cached {human(args.aggregator_size)} blob in a loop for {args.load_seconds:g} s; a read counts "
        "only if it is a 200 with the right length (otherwise it is an error); the wall column is the p50 latency "
        "and MB/s the aggregate throughput; client peak RSS is the load generator's. The Range row reads "
        f"{human(min(1024, args.range_blob_size))} at a random offset of an uncached "
        f"{human(args.range_blob_size)} blob (206 and the bytes checked). MB = 10^6 bytes. Clients and servers "
        "share the machine's cores."
    )


def table(rows: list[Row], markdown: bool) -> str:
    header = ("operation", "size", "wall s (median)", "MB/s", "client peak RSS", "busiest node peak RSS", "notes")
    cells = [header, *((r.operation, r.size, r.wall, r.rate, r.client, r.node, r.notes) for r in rows)]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells[1:]]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per case (default 3); the median is reported")
    parser.add_argument("--only", default=",".join(CASES), help=f"cases, comma-separated (default {','.join(CASES)})")
    parser.add_argument("--sizes", default="1K,100M", help="store sizes (default 1K,100M)")
    parser.add_argument("--large", action="store_true", help="also store a 4 GiB file (generated on disk in chunks)")
    parser.add_argument("--read-sizes", default="100M", help="read sizes (default 100M)")
    parser.add_argument("--aggregator-size", default="1M", help="blob size of the aggregator cases (default 1M)")
    parser.add_argument("--range-blob-size", default="100M", help="blob size of the Range case (default 100M)")
    parser.add_argument("--clients", default="32,8", help="concurrent clients of each load test (default 32,8)")
    parser.add_argument("--load-seconds", type=float, default=20.0, help="duration of each load test (default 20)")
    parser.add_argument("--nodes", type=int, default=10, help="storage nodes (default 10)")
    parser.add_argument("--n-shards", type=int, default=1000, help="shards (default 1000)")
    parser.add_argument("--signatures", choices=["ed25519", "bls"], default="ed25519",
                        help="the devnet's signature scheme (default ed25519; bls: BLS12-381 certificates, as Walrus)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--keep", action="store_true", help="do not delete the devnet's directory (its logs) at the end")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to create the temporary directory (default: the system's temporary directory)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds allowed for each command or GET, plus --timeout-per-mib (default 600)")
    parser.add_argument("--timeout-per-mib", type=float, default=1.0, help="extra seconds per MiB of blob (default 1)")
    parser.add_argument("--http-timeout", type=float, default=60.0, help="timeout of each load-test request (default 60)")
    # The load generator child (internal).
    parser.add_argument("--loadgen", help=argparse.SUPPRESS)
    parser.add_argument("--loadgen-clients", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--loadgen-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--loadgen-sha256", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loadgen:
        return args
    try:
        args.only_set = {c.strip() for c in args.only.split(",") if c.strip()}
        unknown = args.only_set - set(CASES)
        if unknown:
            parser.error(f"unknown case(s) {', '.join(sorted(unknown))} (choose from {', '.join(CASES)})")
        args.sizes_list = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
        if args.large:
            args.sizes_list.append(4 << 30)
        args.read_sizes_list = [parse_size(s) for s in args.read_sizes.split(",") if s.strip()]
        args.aggregator_size = parse_size(args.aggregator_size)
        args.range_blob_size = parse_size(args.range_blob_size)
        args.clients_list = [int(c) for c in args.clients.split(",") if c.strip()]
    except ValueError as e:
        parser.error(str(e))
    if args.runs < 1 or min(args.sizes_list + args.read_sizes_list + [args.aggregator_size, args.range_blob_size]) < 1:
        parser.error("--runs and sizes must be positive")
    if any(c < 1 for c in args.clients_list) or args.load_seconds <= 0:
        parser.error("--clients and --load-seconds must be positive")
    return args


def main() -> int:
    args = parse_args()
    if args.loadgen:
        return loadgen_main(args)
    if "aggregator" in args.only_set or "range" in args.only_set:
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            print("bench_network: aiohttp is needed for the aggregator and range cases (pip install aiohttp)",
                  file=sys.stderr)
            return 2

    # SIGTERM like Ctrl-C: clean up the devnet, then exit.
    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)

    morsa = morsa_command()
    load_before = os.getloadavg()[0]
    soft = software(morsa)
    work = Path(tempfile.mkdtemp(prefix="morsa-bench-net-", dir=args.dir))
    files = work / "files"
    files.mkdir()
    net = Devnet(work / "devnet", morsa, args.timeout)
    status, error, bench = 0, "", None
    try:
        log(f"starting a devnet of {args.nodes} nodes, {args.n_shards} shards in {net.directory}")
        t0 = time.perf_counter()
        net.up(args.nodes, args.n_shards, args.signatures)
        log(f"devnet up in {time.perf_counter() - t0:.1f} s; daemon at {net.daemon_url}")
        bench = Bench(args, net, files)
        bench.run_all()
    except BenchError as e:
        status = 1
        error = f"bench_network: {e}" + ("" if args.keep else " (rerun with --keep to keep the devnet's logs)")
    except KeyboardInterrupt:
        status, error = 130, "bench_network: interrupted"
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the cleanup finish
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if status:
            log("stopping the devnet")
        try:
            net.down(purge=not args.keep)
        finally:
            shutil.rmtree(files, ignore_errors=True)
            if args.keep:
                log(f"devnet state and logs kept in {net.directory}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    if status:
        print(error, file=sys.stderr)
        return status
    assert bench is not None
    print(method(args, soft, load_before))
    print()
    print(table(bench.rows, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
