"""Every HTTP API serves its OpenAPI document at /v1/api, and answers as it says: property-based
API testing with schemathesis (bounded in examples and time) against a devnet's control plane,
a storage node, the aggregator/publisher and a key server finds no 5xx and no answer that does not match its
schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from morsa.devnet import Devnet

SCHEMATHESIS_SECONDS = 45
"""The time budget of each API's run."""


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory):
    devnet = Devnet.create(tmp_path_factory.mktemp("devnet"), 4, 40)
    try:
        devnet.up()
        yield devnet
    finally:
        devnet.down()


def apis(net: Devnet) -> dict[str, str]:
    return {
        "control plane": net.chain_url,
        "storage node": net.nodes[0].url,
        "aggregator and publisher": net.daemon_url,
        "key server": net.key_servers[0].url,
    }


def test_every_api_serves_its_openapi_document(net: Devnet):
    for name, url in apis(net).items():
        document = httpx.get(f"{url}/v1/api", timeout=10).json()
        assert document["openapi"].startswith("3.0") and document["paths"], name
        for path, operations in document["paths"].items():
            for operation in operations.values():
                assert "default" in operation["responses"] or path == "/v1/api" or path in ("/status", "/v1/cache"), (name, path)


@pytest.mark.parametrize("api", ["control plane", "storage node", "aggregator and publisher", "key server"])
def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(net: Devnet, api: str):
    st = shutil.which("st") or str(Path(sys.executable).parent / "st")
    url = apis(net)[api]
    command = [
        st, "run", f"{url}/v1/api",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--max-examples", "15",
        "--max-time", str(SCHEMATHESIS_SECONDS),
        "--request-timeout", "20",
        "--workers", "1",
        "--no-color",
    ]
    if api == "control plane":
        # A long poll waits up to a minute for events that never come: tested by its own test.
        command += ["--exclude-path", "/v1/events"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=SCHEMATHESIS_SECONDS * 3)
    summary = result.stdout[-3000:]
    print(summary)
    assert result.returncode == 0, summary
    assert " passed" in summary


def test_long_poll_and_wait_limits_are_400_not_500(net: Devnet):
    """Regressions found while writing the schemas: an event cursor beyond 64 bits was a 500,
    and waits beyond their limits were silently cut."""
    with httpx.Client(timeout=10) as http:
        for query in ("since=99999999999999999999999", "since=-1", "wait_ms=60001", "wait_ms=x"):
            r = http.get(f"{net.chain_url}/v1/events?{query}")
            assert r.status_code == 400 and r.json()["error"]["details"][0]["reason"] == "INVALID_QUERY", (query, r.text)
        blob_id = "A" * 43
        r = http.get(f"{net.nodes[0].url}/v1/blobs/{blob_id}/confirmation/permanent?wait_for_registration=true&wait_millis=10001")
        assert r.status_code == 400 and r.json()["error"]["details"][0]["reason"] == "INVALID_QUERY"
