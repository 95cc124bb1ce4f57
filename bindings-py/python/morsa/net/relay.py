"""Client of an upload relay (SPEC §12.2, Walrus's ``walrus-upload-relay``): the client
registers and pays for a blob itself, then sends the unencoded bytes to the relay, which encodes
them, uploads every sliver and answers with a storage certificate for the client to certify.

``POST /v1/blob-upload-relay?blob_id=…&deletable_blob_object=…&tx_id=…&nonce=…`` returns
``{"blob_id", "confirmation_certificate": {"signers", "serialized_message", "certificate"}}``
(Morsa's certificate is Ed25519, postcard in ``certificate``); ``GET /v1/tip-config`` answers
``"no_tip"`` or ``{"send_tip": …}``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .errors import RemoteError, malformed_answer
from .transport import OCTET_HEADERS, Http

RELAY_PATH = "/v1/blob-upload-relay"
TIP_CONFIG_PATH = "/v1/tip-config"


def certificate_json(blob_id: str, signers: list[int], serialized_message: bytes, certificate: bytes) -> dict[str, Any]:
    """The relay's answer for a certificate."""
    return {
        "blob_id": blob_id,
        "confirmation_certificate": {
            "signers": signers,
            "serialized_message": base64.b64encode(serialized_message).decode(),
            "certificate": base64.b64encode(certificate).decode(),
        },
    }


class UploadRelayClient:
    """The upload relay at ``url`` over ``http``."""

    def __init__(self, http: Http, url: str) -> None:
        self.http = http
        self.url = url.rstrip("/")

    async def tip_config(self) -> Any:
        """The relay's tip configuration (``"no_tip"`` for a free relay)."""
        answer = (await self.http.request("GET", self.url + TIP_CONFIG_PATH)).raise_for_status()
        try:
            return json.loads(answer.body)
        except ValueError:
            raise RemoteError(answer.status, "MALFORMED_ANSWER", "the tip config is not JSON", url=answer.url) from None

    async def upload(self, data: bytes, blob_id: str, object_id: bytes | None = None) -> bytes:
        """Send a registered blob's bytes; returns the certificate (postcard bytes, unverified:
        the caller verifies it). Raises :class:`~morsa.net.errors.RemoteError` or
        :class:`~morsa.net.errors.TransportError`."""
        params = {"blob_id": blob_id}
        if object_id is not None:
            params["deletable_blob_object"] = "0x" + object_id.hex()
        url = self.url + RELAY_PATH
        answer = (await self.http.request("POST", url, params=params, data=data, headers=OCTET_HEADERS)).raise_for_status()
        with malformed_answer(url, "an upload relay's answer"):
            decoded = json.loads(answer.body)
            if decoded["blob_id"] != blob_id:
                raise ValueError(f"the answer is for blob {decoded['blob_id']}")
            return base64.b64decode(decoded["confirmation_certificate"]["certificate"], validate=True)


__all__ = ["RELAY_PATH", "TIP_CONFIG_PATH", "UploadRelayClient", "certificate_json"]
