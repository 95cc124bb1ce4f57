"""Shared helpers for the Python test suite of the installed ``morsa`` package.

The helpers are independent re-implementations of what the spec describes (SPEC §5.1, §5.3,
§17.3) and of the input generator of the vectors file, so that the tests check the package
against the spec and the vectors rather than against itself.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

VECTORS_PATH = Path(__file__).parents[1] / "vectors" / "walrus-rs2.json"
SPEC_TABLES_PATH = Path(__file__).parents[1] / "vectors" / "spec-tables.json"

_MASK64 = (1 << 64) - 1


@functools.cache
def load_vectors() -> dict:
    with open(VECTORS_PATH, encoding="utf-8") as f:
        return json.load(f)


@functools.cache
def load_spec_tables() -> dict:
    """The SPEC tables shared with the Rust suites (tests/vectors/spec-tables.json)."""
    with open(SPEC_TABLES_PATH, encoding="utf-8") as f:
        return json.load(f)


@functools.lru_cache(maxsize=32)
def splitmix64(seed: int, length: int) -> bytes:
    """The input generator described in the ``_comment`` of walrus-rs2.json."""
    out = bytearray()
    state = seed & _MASK64
    while len(out) < length:
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        z ^= z >> 31
        out += z.to_bytes(8, "little")
    return bytes(out[:length])


@functools.lru_cache(maxsize=32)
def lcg_bytes(length: int) -> bytes:
    """``gen(len)`` of SPEC §17.3."""
    x = 12345
    out = bytearray(length)
    for i in range(length):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


def _h(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def leaf_hash(data: bytes) -> bytes:
    """SPEC §5.1: H(0x00 || data)."""
    return _h(b"\x00" + data)


def merkle_root(leaves: list[bytes]) -> bytes:
    """SPEC §5.1: the Merkle root over leaf *data* (each is leaf-hashed first)."""
    if not leaves:
        return bytes(32)
    level = [leaf_hash(x) for x in leaves]
    while len(level) > 1:
        if len(level) % 2:
            level.append(bytes(32))
        level = [_h(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def blob_root(pair_hashes: list[tuple[bytes, bytes]]) -> bytes:
    """SPEC §5.3: the root over the 64-byte pair leaves."""
    return merkle_root([p + s for p, s in pair_hashes])


def blob_id_bytes_from_root(length: int, root: bytes) -> bytes:
    """SPEC §5.3: H(0x01 || u64 LE length || root)."""
    return _h(b"\x01" + length.to_bytes(8, "little") + root)


def uleb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_uleb128(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def metadata_bcs(blob_id: bytes, length: int, pair_hashes: list[tuple[bytes, bytes]], encoding_type: int = 1) -> bytes:
    """SPEC §5.5: BCS ``BlobMetadataWithId``."""
    out = bytearray(blob_id)
    out += b"\x00" + bytes([encoding_type]) + length.to_bytes(8, "little") + uleb128(len(pair_hashes))
    for p, s in pair_hashes:
        out += b"\x01" + p + b"\x01" + s
    return bytes(out)


def config_values(n: int) -> tuple[int, int, int]:
    """SPEC §1.1–1.2: (f, p, s)."""
    f = (n - 1) // 3
    return f, n - 2 * f, n - f


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    vectors = load_vectors()
    if "upstream_case" in metafunc.fixturenames:
        cases = vectors["upstream"]
        metafunc.parametrize("upstream_case", cases, ids=[f"upstream{i}-n{c['n_shards']}" for i, c in enumerate(cases)])
    if "vector_case" in metafunc.fixturenames:
        cases = vectors["cases"]
        metafunc.parametrize(
            "vector_case", cases, ids=[f"seed{c['seed']}-n{c['n_shards']}-len{c['length']}" for c in cases]
        )
    if "sliver_case" in metafunc.fixturenames:
        cases = [c for c in vectors["cases"] if "primary_slivers_bcs" in c]
        metafunc.parametrize(
            "sliver_case", cases, ids=[f"seed{c['seed']}-n{c['n_shards']}-len{c['length']}" for c in cases]
        )


@pytest.fixture(scope="session")
def vectors() -> dict:
    return load_vectors()


@pytest.fixture(scope="session")
def spec() -> SimpleNamespace:
    """The reference helpers, as a fixture (so test modules need not import conftest)."""
    return SimpleNamespace(
        splitmix64=splitmix64,
        lcg_bytes=lcg_bytes,
        leaf_hash=leaf_hash,
        merkle_root=merkle_root,
        blob_root=blob_root,
        blob_id_bytes_from_root=blob_id_bytes_from_root,
        uleb128=uleb128,
        read_uleb128=read_uleb128,
        metadata_bcs=metadata_bcs,
        config_values=config_values,
    )


# ------------------------------------------------------------------------------------------
# Storage nodes


def corrupt_stored_slivers(data_dir: Path, blob_id: str, pair: int | None = None, axis: int | None = None) -> list[tuple[int, int]]:
    """Flip a byte in the middle of the stored slivers of ``blob_id`` (all, or those of ``pair``
    and ``axis`` 0/1) in a storage node's data directory, as a failing disk would; returns the
    ``(pair, axis)`` corrupted. Slivers sit in ``slivers/<blob_id>.dat`` at the offsets that
    ``sliver_index`` in ``node.sqlite3`` gives."""
    import sqlite3

    db = sqlite3.connect(data_dir / "node.sqlite3")
    try:
        rows = db.execute("SELECT pair, axis, offset, length FROM sliver_index WHERE blob_id = ?", (blob_id,)).fetchall()
    finally:
        db.close()
    chosen = [r for r in rows if (pair is None or r[0] == pair) and (axis is None or r[1] == axis)]
    with open(data_dir / "slivers" / f"{blob_id}.dat", "r+b") as segment:
        for _, _, offset, length in chosen:
            segment.seek(offset + length // 2)  # inside the symbols, not the BCS framing
            byte = segment.read(1)
            segment.seek(offset + length // 2)
            segment.write(bytes([byte[0] ^ 0xFF]))
    return [(p, a) for p, a, _, _ in chosen]


# ------------------------------------------------------------------------------------------
# Command line


@pytest.fixture(scope="session")
def morsa_exe() -> str:
    exe = shutil.which("morsa")
    if exe is None:
        # The console script of the venv running the tests.
        candidate = Path(sys.executable).parent / "morsa"
        if candidate.exists():
            exe = str(candidate)
    assert exe is not None, "the `morsa` console script is not installed"
    return exe


@pytest.fixture(scope="session")
def run_cli(morsa_exe: str):
    """Run ``morsa ARGS`` (or ``python -m morsa ARGS`` with ``module=True``)."""

    def run(*args: object, module: bool = False, cwd: object = None, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "morsa"] if module else [morsa_exe]
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        return subprocess.run(
            [*cmd, *map(str, args)],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    return run


@contextlib.contextmanager
def running_devnet(directory: Path, n_nodes: int, n_shards: int, signatures: str = "ed25519"):
    """A devnet of real processes on loopback in ``directory`` (nodes signing with
    ``signatures``: ``ed25519`` or ``bls``), stopped when the block ends."""
    from morsa.devnet import Devnet

    devnet = Devnet.create(directory, n_nodes, n_shards, signatures=signatures)
    try:
        devnet.up()
        yield devnet
    finally:
        devnet.down()
