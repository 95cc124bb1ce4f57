"""Morsa as a client of Walrus's own services, against their answers as recorded in
``tests/vectors/walrus-http.json`` (written from the upstream types: publisher
``BlobStoreResult``, upload relay ``ResponseType`` and ``TipConfig``, the AIP-193 error envelope).
Served from loopback stand-ins; the blob ID placeholder becomes the stored file's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import morsa
from morsa.net.errors import RemoteError
from morsa.net.publisher import parse_store_result
from morsa.net.relay import parse_relay_answer, parse_tip_config

RECORDED = json.loads((Path(__file__).parents[1] / "vectors" / "walrus-http.json").read_text())


def recorded(section: str, name: str, blob_id: str) -> Any:
    """A recorded answer with the placeholders replaced by ``blob_id`` (text and bytes)."""
    text = json.dumps(RECORDED[section][name]).replace("{blob_id}", blob_id)
    return json.loads(text.replace('"blob_id_bytes"', json.dumps(list(morsa._native.parse_blob_id_bytes(blob_id)))))


@contextmanager
def walrus_stand_in(method: str, path: str, answer: Any, status: int = 200) -> Iterator[str]:
    """A loopback server answering ``method path`` with ``answer`` (JSON) and ``status``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from morsa.net.server import serve_in_thread

    async def handle(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse(answer, status_code=status)

    with serve_in_thread(Starlette(routes=[Route(path, handle, methods=[method])])) as url:
        yield url


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "hello.txt"
    path.write_bytes(b"Hello from Morsa!")
    return path


def test_every_recorded_publisher_answer_is_understood(source: Path) -> None:
    blob_id = morsa.blob_id(source.read_bytes())
    created = parse_store_result(recorded("publisher", "newlyCreated", blob_id))
    assert created.newly_created and created.blob_id == blob_id and created.cost == 132_300 and created.end_epoch == 35
    shared = parse_store_result(recorded("publisher", "newlyCreatedShared", blob_id))
    assert shared.shared_blob_object == RECORDED["publisher"]["newlyCreatedShared"]["newlyCreated"]["sharedBlobObject"]
    for name, end in (("alreadyCertifiedEvent", 42), ("alreadyCertifiedObject", 40)):
        certified = parse_store_result(recorded("publisher", name, blob_id))
        assert not certified.newly_created and certified.blob_id == blob_id and certified.end_epoch == end
    with pytest.raises(RemoteError, match="invalid") as invalid:
        parse_store_result(recorded("publisher", "markedInvalid", blob_id))
    assert invalid.value.reason == "BLOB_INVALID"
    with pytest.raises(RemoteError, match="enough confirmations") as failed:
        parse_store_result(recorded("publisher", "error", blob_id))
    assert failed.value.reason == "STORE_FAILED"


@pytest.mark.parametrize(
    ("name", "status", "code", "expected"),
    [
        ("newlyCreated", 200, 0, "stored"),
        ("alreadyCertifiedObject", 200, 0, "until epoch 40"),
        ("markedInvalid", 200, 2, "invalid"),
        ("error", 200, 2, "enough confirmations"),
        ("internalError", 500, 2, "sufficient balance"),
    ],
)
def test_morsa_store_through_a_walrus_publisher(run_cli, source: Path, name: str, status: int, code: int, expected: str) -> None:
    blob_id = morsa.blob_id(source.read_bytes())
    with walrus_stand_in("PUT", "/v1/blobs", recorded("publisher", name, blob_id), status) as url:
        r = run_cli("store", source, "--publisher", url)
    assert r.returncode == code, r.stderr
    assert expected in (r.stdout if code == 0 else r.stderr)
    assert "Traceback" not in r.stderr


def test_morsa_read_through_a_walrus_aggregator_that_lacks_the_blob(run_cli, tmp_path: Path) -> None:
    blob_id = morsa.blob_id(b"absent")
    out = tmp_path / "out.bin"
    with walrus_stand_in("GET", "/v1/blobs/{blob_id}", RECORDED["aggregator"]["blobNotFound"], 404) as url:
        r = run_cli("read", blob_id, "--aggregator", url, "--out", out)
    assert r.returncode == 2 and "BLOB_NOT_FOUND" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not out.exists()


def test_recorded_upload_relay_answers() -> None:
    blob_id = morsa.blob_id(b"relayed")
    answer = parse_relay_answer(recorded("uploadRelay", "response", blob_id))
    walrus = RECORDED["uploadRelay"]["response"]["confirmation_certificate"]
    assert answer.blob_id == blob_id and answer.signers == walrus["signers"]
    assert answer.serialized_message == bytes(walrus["serialized_message"]) and answer.certificate is None
    tips = RECORDED["uploadRelay"]["tipConfig"]
    assert parse_tip_config(tips["noTip"]) is None
    constant = parse_tip_config(tips["const"])
    assert constant is not None and constant.constant == 105 and constant.address == tips["const"]["send_tip"]["address"]
    linear = parse_tip_config(tips["linear"])
    assert linear is not None and (linear.base, linear.per_encoded_kib) == (100, 2)
    with pytest.raises(RemoteError) as malformed:
        parse_tip_config({"send_tip": {"kind": {}}})
    assert malformed.value.reason == "MALFORMED_ANSWER"
