"""A blob ID as a Move u256 (SPEC §5.4: the 32 bytes little-endian): the conversions of the core
through the package and ``morsa convert-blob-id`` (``walrus convert-blob-id``)."""

from __future__ import annotations

import json
import os

import pytest

import morsa

# From the walrus-docs examples (their num_to_blob_id test case).
DOCS_DECIMAL = 46269954626831698189342469164469112511517843773769981308926739591706762839432
DOCS_BLOB_ID = "iIWkkUTzPZx-d1E_A7LqUynnYFD-ztk39_tP8MLdS2Y"


def test_the_documented_example_and_the_byte_order() -> None:
    assert morsa.blob_id_from_u256(DOCS_DECIMAL) == DOCS_BLOB_ID
    assert morsa.blob_id_from_u256(str(DOCS_DECIMAL)) == DOCS_BLOB_ID
    assert morsa.blob_id_from_u256(hex(DOCS_DECIMAL)) == DOCS_BLOB_ID
    assert morsa.blob_id_to_u256(DOCS_BLOB_ID) == DOCS_DECIMAL
    # SPEC §5.4: "256" is the bytes [0, 1, 0, …].
    assert morsa._native.parse_blob_id_bytes(morsa.blob_id_from_u256(256)) == bytes([0, 1]) + bytes(30)


def test_random_blob_ids_round_trip_as_little_endian_u256() -> None:
    for _ in range(200):
        raw = os.urandom(32)
        blob_id = morsa._native.blob_id_from_bytes(raw)
        value = morsa.blob_id_to_u256(blob_id)
        assert value == int.from_bytes(raw, "little")
        assert morsa.blob_id_from_u256(value) == blob_id


@pytest.mark.parametrize("bad", [-1, 2**256, "12a", "", "0x", "1e5", " ", "0x" + "1" * 65])
def test_values_that_are_not_a_u256_are_refused(bad: object) -> None:
    with pytest.raises(morsa.InvalidBlobIdError):
        morsa.blob_id_from_u256(bad)  # type: ignore[arg-type]


def test_the_command(run_cli) -> None:
    r = run_cli("convert-blob-id", str(DOCS_DECIMAL))
    assert (r.returncode, r.stdout) == (0, DOCS_BLOB_ID + "\n")
    r = run_cli("convert-blob-id", DOCS_BLOB_ID)
    assert (r.returncode, r.stdout) == (0, f"{DOCS_DECIMAL}\n")
    r = run_cli("convert-blob-id", hex(DOCS_DECIMAL), "--json")
    assert json.loads(r.stdout) == {"blob_id": DOCS_BLOB_ID, "u256_decimal": str(DOCS_DECIMAL), "u256_hex": f"0x{DOCS_DECIMAL:064x}"}
    r = run_cli("convert-blob-id", "not-a-blob-id")
    assert r.returncode == 2 and "neither a blob ID" in r.stderr and "Traceback" not in r.stderr
