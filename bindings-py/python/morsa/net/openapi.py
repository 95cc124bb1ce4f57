"""OpenAPI 3.0 documents of Morsa's three HTTP APIs, served at ``GET /v1/api`` by each server
(Walrus nodes and aggregators serve theirs there too): the storage node (SPEC §11), the client
daemon (aggregator and publisher, SPEC §12) and the control plane (docs/network.md).

Every error is the AIP-193 envelope (:mod:`morsa.net.errors`), declared as the ``default``
response; JSON successes are ``{"success": {"code", "data"}}`` (storage node, control plane).
The documents are what property-based API testing (schemathesis, in the test suite) checks the
servers against: no 5xx, every answer as declared.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "status", "message", "details"],
            "properties": {
                "code": {"type": "integer"},
                "status": {"type": "string"},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["@type", "reason", "domain", "metadata"],
                        "properties": {
                            "@type": {"type": "string", "enum": ["ErrorInfo"]},
                            "reason": {"type": "string"},
                            "domain": {"type": "string"},
                            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                        },
                    },
                },
            },
        }
    },
}

BLOB_ID: Schema = {
    "type": "string",
    "pattern": "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$",
    "description": "32 bytes in base64url without padding (SPEC §5.4): the last character carries 2 bits",
}
OBJECT_ID: Schema = {"type": "string", "pattern": "^0x[0-9a-fA-F]{1,64}$"}
ADDRESS: Schema = {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"}
U16: Schema = {"type": "integer", "minimum": 0, "maximum": 65535}
U32: Schema = {"type": "integer", "minimum": 0, "maximum": 4294967295}
U64: Schema = {"type": "integer", "minimum": 0}
AXIS: Schema = {"type": "string", "enum": ["primary", "secondary"]}
BINARY: Schema = {"type": "string", "format": "binary"}
SIGNED: Schema = {
    "type": "object",
    "required": ["signed"],
    "properties": {
        "signed": {
            "type": "object",
            "required": ["serializedMessage", "signature"],
            "properties": {"serializedMessage": {"type": "string", "format": "byte"}, "signature": {"type": "string", "format": "byte"}},
        }
    },
}
STORED_STATUS: Schema = {"type": "string", "enum": ["nonexistent", "buffered", "stored"]}
BLOB_OBJECT: Schema = {
    "type": "object",
    "required": ["id", "registeredEpoch", "blobId", "size", "encodingType", "certifiedEpoch", "storage", "deletable"],
    "properties": {
        "id": OBJECT_ID,
        "registeredEpoch": {"type": "integer"},
        "blobId": BLOB_ID,
        "size": U64,
        "encodingType": {"type": "string", "enum": ["RS2"]},
        "certifiedEpoch": {"type": "integer", "nullable": True},
        "storage": {
            "type": "object",
            "required": ["id", "startEpoch", "endEpoch", "storageSize"],
            "properties": {"id": OBJECT_ID, "startEpoch": {"type": "integer"}, "endEpoch": {"type": "integer"}, "storageSize": U64},
        },
        "deletable": {"type": "boolean"},
    },
}


def success(data: Schema) -> Schema:
    """The JSON success envelope around ``data``."""
    return {
        "type": "object",
        "required": ["success"],
        "properties": {"success": {"type": "object", "required": ["code", "data"], "properties": {"code": {"type": "integer"}, "data": data}}},
    }


def _json(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _answers(ok: dict[str, Any], description: str = "the result") -> dict[str, Any]:
    """Responses: each success code → content, and the error envelope as ``default``."""
    out: dict[str, Any] = {code: {"description": description, "content": content} for code, content in ok.items()}
    out["default"] = {"description": "an error (AIP-193)", "content": _json({"$ref": "#/components/schemas/Error"})}
    return out


def _param(name: str, where: str, schema: Schema, required: bool = True, description: str = "") -> dict[str, Any]:
    param = {"name": name, "in": where, "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


def _op(summary: str, responses: dict[str, Any], *, params: list[dict[str, Any]] | None = None, body: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _document(title: str, description: str, paths: dict[str, Any], schemas: dict[str, Schema] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1", "description": description},
        "paths": paths,
        "components": {"schemas": {"Error": ERROR, **(schemas or {})}},
    }


BLOB_ID_PARAM = _param("blob_id", "path", BLOB_ID)


def storage_node() -> dict[str, Any]:
    """The storage-node REST API (SPEC §11), with Morsa's batched sliver upload."""
    sliver_params = [BLOB_ID_PARAM, _param("pair", "path", U16, description="the sliver pair index"), _param("axis", "path", AXIS)]
    pending = _param("pending", "query", {"type": "boolean"}, required=False)
    octet = {"application/octet-stream": {"schema": BINARY}}
    stored = {code: _json(success({"type": "string"})) for code in ("200", "201", "202")}
    wait = [
        _param("wait_for_registration", "query", {"type": "boolean"}, required=False),
        _param("wait_millis", "query", {"type": "integer", "minimum": 0, "maximum": 10000}, required=False),
    ]
    symbols_query = [
        _param("proofAxis", "query", AXIS, required=False),
        _param("id", "query", {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{1,5}-[0-9]{1,5}$"}}, required=False),
        _param("targetSliver", "query", U16, required=False),
        _param("targetType", "query", AXIS, required=False),
    ]
    blob = "/v1/blobs/{blob_id}"
    return _document(
        "Morsa storage node",
        "The Walrus storage-node REST API (SPEC §11) of a Morsa storage node, and Morsa's batched sliver upload.",
        {
            f"{blob}/metadata": {
                "get": _op("the blob's BCS BlobMetadataWithId", _answers({"200": octet}), params=[BLOB_ID_PARAM]),
                "put": _op("upload BCS BlobMetadata (without the ID)", _answers(stored), params=[BLOB_ID_PARAM, pending], body=octet),
            },
            f"{blob}/metadata/status": {"get": _op("whether the metadata is stored", _answers({"200": _json(success(STORED_STATUS))}), params=[BLOB_ID_PARAM])},
            f"{blob}/slivers": {
                "put": _op(
                    "upload many slivers at once: BCS Vec<Sliver> (all or nothing)",
                    _answers({c: _json(success({"type": "object", "required": ["stored", "alreadyStored"], "properties": {"stored": U32, "alreadyStored": U32}})) for c in ("200", "201")}),
                    params=[BLOB_ID_PARAM],
                    body=octet,
                )
            },
            f"{blob}/slivers/{{pair}}/{{axis}}": {
                "get": _op("a sliver: BCS SliverData", _answers({"200": octet}), params=sliver_params),
                "put": _op("upload a sliver: BCS SliverData", _answers(stored), params=[*sliver_params, pending], body=octet),
            },
            f"{blob}/slivers/{{pair}}/{{axis}}/status": {
                "get": _op("whether a sliver is stored", _answers({"200": _json(success(STORED_STATUS))}), params=sliver_params)
            },
            f"{blob}/confirmation/permanent": {
                "get": _op("a signed storage confirmation of a permanent blob", _answers({"200": _json(success(SIGNED))}), params=[BLOB_ID_PARAM, *wait])
            },
            f"{blob}/confirmation/deletable/{{object_id}}": {
                "get": _op(
                    "a signed storage confirmation of a deletable blob object",
                    _answers({"200": _json(success(SIGNED))}),
                    params=[BLOB_ID_PARAM, _param("object_id", "path", OBJECT_ID), *wait],
                )
            },
            f"{blob}/recoverySymbols": {
                "get": _op("recovery symbols with proofs: BCS Vec<GeneralRecoverySymbol>", _answers({"200": octet}), params=[BLOB_ID_PARAM, *symbols_query])
            },
            f"{blob}/decodingSymbols": {
                "get": _op(
                    "decoding symbols without proofs",
                    _answers({"200": octet}),
                    params=[
                        BLOB_ID_PARAM,
                        _param("targetSlivers", "query", {"type": "array", "items": U16}),
                        _param("targetType", "query", AXIS),
                    ],
                )
            },
            f"{blob}/inconsistencyProof/{{axis}}": {
                "post": _op(
                    "verify an inconsistency proof; answers a signed invalid-blob attestation",
                    _answers({"200": _json(success(SIGNED))}),
                    params=[BLOB_ID_PARAM, _param("axis", "path", AXIS)],
                    body=octet,
                )
            },
            f"{blob}/status": {"get": _op("the blob's status (BlobStatus JSON)", _answers({"200": _json(success({}))}), params=[BLOB_ID_PARAM])},
            "/v1/health": {"get": _op("the node's health", _answers({"200": _json(success({"type": "object"}))}))},
            "/v1/api": {"get": _op("this document", {"200": {"description": "OpenAPI 3.0", "content": _json({"type": "object"})}})},
        },
    )


def daemon() -> dict[str, Any]:
    """The aggregator and publisher API (SPEC §12)."""
    octet = {"application/octet-stream": {"schema": BINARY}}
    bytes_out = {"*/*": {"schema": BINARY}}
    checks = [
        _param("strict_consistency_check", "query", {"type": "boolean"}, required=False),
        _param("skip_consistency_check", "query", {"type": "boolean"}, required=False),
    ]
    publisher = [
        _param("epochs", "query", {"type": "integer", "minimum": 1, "maximum": 4294967295}, required=False),
        _param("permanent", "query", {"type": "boolean"}, required=False),
        _param("deletable", "query", {"type": "boolean"}, required=False),
        _param("force", "query", {"type": "boolean"}, required=False),
        _param("encoding_type", "query", {"type": "string", "enum": ["RS2"]}, required=False),
        _param("reuse_resources", "query", {"type": "boolean"}, required=False),
        _param("send_object_to", "query", {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"}, required=False),
        _param("share", "query", {"type": "boolean"}, required=False),
    ]
    store_result: Schema = {
        "type": "object",
        "description": "BlobStoreResult: newlyCreated or alreadyCertified",
        "properties": {
            "newlyCreated": {
                "type": "object",
                "required": ["blobObject", "resourceOperation", "cost"],
                "properties": {"blobObject": BLOB_OBJECT, "resourceOperation": {"type": "object"}, "cost": U64},
            },
            "alreadyCertified": {
                "type": "object",
                "required": ["blobId", "endEpoch"],
                "properties": {"blobId": BLOB_ID, "object": OBJECT_ID, "endEpoch": {"type": "integer"}},
            },
        },
    }
    patch = [_param("quilt_id", "path", BLOB_ID)]
    return _document(
        "Morsa aggregator and publisher",
        "Walrus's aggregator (read) and publisher (write) API (SPEC §12), over a Morsa network.",
        {
            "/status": {"get": _op("liveness", {"200": {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}})},
            "/v1/cache": {"get": _op("the cache of verified blobs: counters", {"200": {"description": "counters", "content": _json({"type": "object"})}})},
            "/v1/blobs/{blob_id}": {
                "get": _op("a blob, verified (a single Range: bytes=a-b gives 206)", _answers({"200": bytes_out, "206": bytes_out}), params=[BLOB_ID_PARAM, *checks])
            },
            "/v1/blob-upload-relay": {
                "post": _op(
                    "upload relay: encode the body of a registered blob, upload every sliver, answer with the storage certificate",
                    _answers({"200": _json({
                        "type": "object",
                        "required": ["blob_id", "confirmation_certificate"],
                        "properties": {
                            "blob_id": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 255}, "minItems": 32, "maxItems": 32},
                            "confirmation_certificate": {
                                "type": "object",
                                "required": ["signers", "serialized_message", "signature"],
                                "properties": {
                                    "signers": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                                    "serialized_message": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 255}},
                                    "signature": {"type": "string", "description": "URL-safe base64 (Walrus: BLS12-381 aggregate; Morsa: the signers' Ed25519 signatures)"},
                                    "certificate": {"type": "string", "format": "byte", "description": "Morsa: the postcard certificate"},
                                },
                            },
                        },
                    })}),
                    params=[
                        _param("blob_id", "query", {"type": "string"}),
                        _param("deletable_blob_object", "query", {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"}, required=False),
                        _param("tx_id", "query", {"type": "string"}, required=False),
                        _param("nonce", "query", {"type": "string"}, required=False),
                        _param("encoding_type", "query", {"type": "string", "enum": ["RS2"]}, required=False),
                    ],
                    body={"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                )
            },
            "/v1/tip-config": {"get": _op("the relay's tip configuration (no_tip: free)", _answers({"200": _json({})}))},
            "/v1alpha/blobs/{blob_id}/stream": {
                "get": _op(
                    "a blob streamed in order as its primary slivers arrive, each verified against the metadata",
                    _answers({"200": bytes_out}),
                    params=[BLOB_ID_PARAM],
                )
            },
            "/v1/blobs/by-object-id/{object_id}": {
                "get": _op(
                    "the blob of a blob object, verified, with its content-type and other served attributes as headers",
                    _answers({"200": bytes_out, "206": bytes_out}),
                    params=[_param("object_id", "path", {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"}), *checks],
                )
            },
            "/v1/blobs/{blob_id}/byte-range": {
                "get": _op(
                    "bytes start..start+length of a blob, from the primary slivers that hold them, each verified",
                    _answers({"200": bytes_out}),
                    params=[
                        BLOB_ID_PARAM,
                        _param("start", "query", {"type": "integer", "minimum": 0}),
                        _param("length", "query", {"type": "integer", "minimum": 1}),
                    ],
                )
            },
            "/v1alpha/blobs/concat": {
                "get": _op(
                    "blobs one after the other, each verified",
                    _answers({"200": bytes_out}),
                    params=[_param("ids", "query", {"type": "string", "description": "comma-separated blob IDs"}), *checks],
                ),
                "post": _op(
                    "blobs one after the other, each verified",
                    _answers({"200": bytes_out}),
                    body=_json({
                        "type": "object",
                        "required": ["ids"],
                        "properties": {
                            "ids": {"type": "array", "items": BLOB_ID, "minItems": 1},
                            "strict_consistency_check": {"type": "boolean"},
                            "skip_consistency_check": {"type": "boolean"},
                        },
                    }),
                ),
            },
            "/v1/blobs": {"put": _op("store the body as a blob", _answers({"200": _json(store_result)}), params=publisher, body=octet)},
            "/v1/quilts": {
                "put": _op(
                    "store many files as one quilt (multipart/form-data)",
                    _answers({"200": _json({"type": "object", "required": ["blobStoreResult", "storedQuiltBlobs"]})}),
                    params=[*publisher, _param("quilt_version", "query", {"type": "string", "enum": ["v1", "V1", "1"]}, required=False)],
                    body={"multipart/form-data": {"schema": {"type": "object", "additionalProperties": BINARY}}},
                )
            },
            "/v1/blobs/by-quilt-patch-id/{patch_id}": {
                "get": _op("one file of a quilt, by quilt patch ID", _answers({"200": bytes_out}), params=[_param("patch_id", "path", {"type": "string"})])
            },
            "/v1/blobs/by-quilt-id/{quilt_id}/{identifier}": {
                "get": _op(
                    "one file of a quilt, by quilt ID and identifier",
                    _answers({"200": bytes_out}),
                    params=[*patch, _param("identifier", "path", {"type": "string"})],
                )
            },
            "/v1/quilts/{quilt_id}/patches": {
                "get": _op(
                    "the files of a quilt",
                    _answers({"200": _json({"type": "array", "items": {"type": "object", "required": ["identifier", "patch_id", "tags"]}})}),
                    params=patch,
                )
            },
            "/v1/api": {"get": _op("this document", {"200": {"description": "OpenAPI 3.0", "content": _json({"type": "object"})}})},
        },
    )


def control_plane() -> dict[str, Any]:
    """The devnet control plane's API (docs/network.md)."""
    member = {
        "type": "object",
        "required": ["node_id", "name", "url", "public_key", "shards"],
        "properties": {"node_id": {"type": "string"}, "name": {"type": "string"}, "url": {"type": "string"}, "public_key": {"type": "string"}, "shards": {"type": "array", "items": U16}},
    }
    account = _json(success({"type": "object", "required": ["address", "balance"], "properties": {"address": ADDRESS, "balance": U64}}))
    certificate_body = _json({"type": "object", "required": ["certificate"], "properties": {"certificate": {"type": "string", "format": "byte"}}})
    state = {"type": "object", "required": ["blob_object", "status"], "properties": {"blob_object": BLOB_OBJECT, "status": {"type": "string", "enum": ["registered", "certified", "invalid", "expired", "deleted"]}}}
    obj = _json(success({"type": "object"}))
    node_param = _param("node_id", "path", {"type": "string"})
    stake_param = _param("stake_id", "path", {"type": "integer", "minimum": 1})
    policy_param = _param("policy_id", "path", {"type": "string"})
    return _document(
        "Morsa control plane",
        "The devnet control plane (standing in for Sui): committee, accounts, blob registration, certification, events, delegated staking, votes and commission.",
        {
            "/v1/health": {"get": _op("epoch, shards and prices", _answers({"200": _json(success({"type": "object", "required": ["epoch", "n_shards"]}))}))},
            "/v1/committee": {
                "get": _op(
                    "the current committee, or that of an earlier epoch",
                    _answers({"200": _json(success({"type": "object", "required": ["epoch", "n_shards", "committee", "members"], "properties": {"members": {"type": "array", "items": member}}}))}),
                    params=[_param("epoch", "query", {"type": "integer", "minimum": 0}, required=False)],
                )
            },
            "/v1/nodes": {"get": _op("the storage nodes known", _answers({"200": _json(success({"type": "object"}))}))},
            "/v1/accounts/{address}": {"get": _op("an account's balance", _answers({"200": account}), params=[_param("address", "path", ADDRESS)])},
            "/v1/accounts/{address}/faucet": {
                "post": _op(
                    "fund an account (devnet, admin)",
                    _answers({"200": account}),
                    params=[_param("address", "path", ADDRESS)],
                    body=_json({"type": "object", "required": ["amount"], "properties": {"amount": U64}}),
                )
            },
            "/v1/blobs": {
                "get": _op(
                    "blobs (of an owner), newest first",
                    _answers({"200": _json(success({"type": "object", "required": ["blobs"]}))}),
                    params=[_param("owner", "query", ADDRESS, required=False), _param("all", "query", {"type": "boolean"}, required=False)],
                ),
                "post": _op(
                    "register and pay for a blob (signed by the paying account)",
                    _answers({c: _json(success({"type": "object", "required": ["blob_object", "cost"], "properties": {"blob_object": BLOB_OBJECT, "cost": U64}})) for c in ("200", "409")}),
                    body=_json({"type": "object", "required": ["blob_id", "root_hash", "size"]}),
                )
            },
            "/v1/blobs/{blob_id}": {"get": _op("a blob's registration", _answers({"200": _json(success(state))}), params=[BLOB_ID_PARAM])},
            "/v1/blobs/by-object-id/{object_id}": {
                "get": _op(
                    "the blob ID and state of a blob object",
                    _answers({"200": _json(success({"type": "object", "required": ["blob_id", "blob_object", "status"]}))}),
                    params=[_param("object_id", "path", {"type": "string"})],
                )
            },
            "/v1/blobs/{blob_id}/delete": {"post": _op("delete a deletable blob (signed by its owner)", _answers({"200": obj}), params=[BLOB_ID_PARAM])},
            "/v1/blobs/{blob_id}/extend": {
                "post": _op(
                    "extend a certified blob (signed by the payer; shared_funds: paid by a shared blob's funds)",
                    _answers({"200": obj}),
                    params=[BLOB_ID_PARAM],
                    body=_json({"type": "object", "required": ["epochs"], "properties": {"epochs": {"type": "integer", "minimum": 1}, "shared_funds": {"type": "boolean"}}}),
                )
            },
            "/v1/blobs/{blob_id}/share": {
                "post": _op(
                    "make a permanent blob shared (signed by its owner)",
                    _answers({"200": _json(success(state))}),
                    params=[BLOB_ID_PARAM],
                    body=_json({"type": "object", "properties": {"amount": U64}}),
                )
            },
            "/v1/blobs/{blob_id}/fund": {
                "post": _op(
                    "fund a shared blob (signed by the payer)",
                    _answers({"200": _json(success(state))}),
                    params=[BLOB_ID_PARAM],
                    body=_json({"type": "object", "required": ["amount"], "properties": {"amount": U64}}),
                )
            },
            "/v1/blobs/{blob_id}/attributes": {
                "post": _op(
                    "set and remove a blob's attributes (signed by its owner)",
                    _answers({"200": _json(success(state))}),
                    params=[BLOB_ID_PARAM],
                    body=_json({"type": "object", "properties": {"set": {"type": "object", "additionalProperties": {"type": "string"}}, "remove": {"type": "array", "items": {"type": "string"}}}}),
                )
            },
            "/v1/blobs/{blob_id}/certificate": {
                "post": _op("certify a blob with a storage certificate", _answers({"200": _json(success({"type": "object", "required": ["blob_object"]}))}), params=[BLOB_ID_PARAM], body=certificate_body)
            },
            "/v1/blobs/{blob_id}/invalid": {
                "post": _op("mark a blob invalid with an invalid-blob certificate", _answers({"200": _json(success({"type": "object"}))}), params=[BLOB_ID_PARAM], body=certificate_body)
            },
            "/v1/events": {
                "get": _op(
                    "events after a cursor (long poll)",
                    _answers({"200": _json(success({"type": "object", "required": ["events", "next"]}))}),
                    params=[_param("since", "query", U64, required=False), _param("wait_ms", "query", {"type": "integer", "minimum": 0, "maximum": 60000}, required=False)],
                )
            },
            "/v1/admin/epoch": {"post": _op("end the epoch (admin)", _answers({"200": _json(success({"type": "object"}))}))},
            "/v1/admin/nodes": {"post": _op("register a storage node (admin)", _answers({"200": _json(success({"type": "object"}))}), body=_json({"type": "object"}))},
            "/v1/economy": {
                "get": _op(
                    "epoch and its timing, prices, capacity, rewards burned and paid (REWARDS.md)",
                    _answers({"200": _json(success({"type": "object", "required": ["epoch", "storage_price", "write_price", "total_capacity"]}))}),
                )
            },
            "/v1/economy/history": {
                "get": _op(
                    "the last epoch changes: FROST collected, burned, paid, rolled over, rewards per node",
                    _answers({"200": _json(success({"type": "object", "required": ["epochs"]}))}),
                    params=[_param("epochs", "query", {"type": "integer", "minimum": 1, "maximum": 10000}, required=False)],
                )
            },
            "/v1/nodes/{node_id}": {"get": _op("a storage node's stake, pool, commission, votes and shards", _answers({"200": obj}), params=[node_param])},
            "/v1/nodes/{node_id}/votes": {
                "post": _op(
                    "the operator's price and capacity votes (signed by the node's key)",
                    _answers({"200": obj}),
                    params=[node_param],
                    body=_json({"type": "object", "properties": {k: U64 for k in ("storage_price", "write_price", "node_capacity")}}),
                )
            },
            "/v1/nodes/{node_id}/commission": {
                "post": _op(
                    "the operator sets the commission rate from epoch E + 2 (signed by the node's key)",
                    _answers({"200": obj}),
                    params=[node_param],
                    body=_json({"type": "object", "required": ["rate_bp"], "properties": {"rate_bp": {"type": "integer", "minimum": 0, "maximum": 10000}}}),
                )
            },
            "/v1/nodes/{node_id}/commission/collect": {
                "post": _op("the operator collects the unblocked commission (signed by the node's key)", _answers({"200": obj}), params=[node_param])
            },
            "/v1/stakes": {
                "get": _op(
                    "stake objects (of an owner) with their rewards so far",
                    _answers({"200": _json(success({"type": "object", "required": ["stakes"]}))}),
                    params=[_param("owner", "query", ADDRESS, required=False)],
                ),
                "post": _op(
                    "stake FROST with a storage node (signed by the staking account)",
                    _answers({"200": _json(success({"type": "object", "required": ["stake", "balance"]}))}),
                    body=_json({"type": "object", "required": ["node_id", "amount"], "properties": {"node_id": {"type": "string"}, "amount": U64}}),
                ),
            },
            "/v1/stakes/{stake_id}": {"get": _op("a stake object with its rewards so far", _answers({"200": obj}), params=[stake_param])},
            "/v1/stakes/{stake_id}/withdraw": {
                "post": _op(
                    "withdraw a stake object, or request its withdrawal (signed by its owner)",
                    _answers({"200": _json(success({"type": "object", "required": ["outcome", "balance"]}))}),
                    params=[stake_param],
                )
            },
            "/v1/key-servers": {
                "get": _op(
                    "the Seal key servers, the default threshold and the policy package (docs/private-blobs.md)",
                    _answers({"200": _json(success({"type": "object", "required": ["package_id", "threshold", "key_servers"]}))}),
                )
            },
            "/v1/policies": {
                "get": _op(
                    "access policies (of an owner, by name)",
                    _answers({"200": _json(success({"type": "object", "required": ["policies"]}))}),
                    params=[_param("owner", "query", ADDRESS, required=False), _param("name", "query", {"type": "string"}, required=False)],
                ),
                "post": _op(
                    "create an access policy (signed by its owner): owner, allowlist, timelock or subscription",
                    _answers({"200": _json(success({"type": "object", "required": ["policy", "created"]}))}),
                    body=_json({"type": "object", "required": ["kind", "name"], "properties": {
                        "kind": {"type": "string", "enum": ["owner", "allowlist", "timelock", "subscription"]}, "name": {"type": "string"},
                        "members": {"type": "array", "items": ADDRESS}, "unlock_ms": U64, "unlock_epoch": U64, "price": U64,
                        "duration_epochs": {"type": "integer", "minimum": 1},
                    }}),
                ),
            },
            "/v1/policies/access": {
                "get": _op(
                    "whether an account may have the key of an identity (what key servers ask)",
                    _answers({"200": _json(success({"type": "object", "required": ["approved"]}))}),
                    params=[_param("account", "query", ADDRESS), _param("id", "query", {"type": "string"})],
                )
            },
            "/v1/policies/{policy_id}": {"get": _op("an access policy", _answers({"200": obj}), params=[policy_param])},
            "/v1/policies/{policy_id}/members": {
                "post": _op(
                    "add and remove an allowlist's members (signed by its owner)",
                    _answers({"200": obj}),
                    params=[policy_param],
                    body=_json({"type": "object", "properties": {"add": {"type": "array", "items": ADDRESS}, "remove": {"type": "array", "items": ADDRESS}}}),
                )
            },
            "/v1/policies/{policy_id}/subscribe": {
                "post": _op("pay a subscription policy's price to its owner (signed by the subscriber)", _answers({"200": obj}), params=[policy_param])
            },
            "/v1/api": {"get": _op("this document", {"200": {"description": "OpenAPI 3.0", "content": _json({"type": "object"})}})},
        },
    )


def key_server() -> dict[str, Any]:
    """A key server's API (docs/private-blobs.md)."""
    return _document(
        "Morsa key server",
        "A Seal-compatible key server: releases the user secret key of an identity, encrypted to the reader's ElGamal key, to accounts the identity's policy approves.",
        {
            "/v1/health": {"get": _op("liveness", _answers({"200": _json(success({"type": "object"}))}))},
            "/v1/service": {
                "get": _op(
                    "the server's name, object ID, public key (G2) and policy package",
                    _answers({"200": _json(success({"type": "object", "required": ["object_id", "public_key", "package_id"]}))}),
                )
            },
            "/v1/fetch_key": {
                "post": _op(
                    "user secret keys of identities, ElGamal-encrypted to enc_key (signed by the account)",
                    _answers({"200": _json({"type": "object", "required": ["decryption_keys"]})}),
                    body=_json({"type": "object", "required": ["ids", "enc_key"], "properties": {
                        "ids": {"type": "array", "items": {"type": "string"}}, "enc_key": {"type": "string", "format": "byte"},
                    }}),
                )
            },
            "/v1/api": {"get": _op("this document", {"200": {"description": "OpenAPI 3.0", "content": _json({"type": "object"})}})},
        },
    )


__all__ = ["control_plane", "daemon", "key_server", "storage_node", "success"]
