"""MLCommons Croissant descriptions of datasets stored on Walrus, and signed verification
reports.

:func:`describe` turns a dataset manifest (:mod:`morsa.dataset`) into a Croissant 1.0 JSON-LD
document: one ``cr:FileObject`` per file with ``contentUrl`` ``walrus://<blob_id>`` (or the
quilt patch ID of a quilt member), ``sameAs`` an aggregator URL when one is given,
``contentSize``, ``encodingFormat``, ``sha256``, and the blob ID (and quilt patch ID) as
``walrus:blobId`` / ``walrus:quiltPatchId`` properties. :func:`files_of` reads the files back
from such a document, so ``morsa dataset verify`` checks a local copy against either.

A verification report (:func:`signed_report`) lists what was checked, when and with what
result, signed with an account's Ed25519 key over the report's canonical JSON;
:func:`check_report` tells a third party who verified what, and whether the report is intact.
"""

from __future__ import annotations

import base64
import datetime
import json
import mimetypes
from typing import Any

import morsa

from .net.accounts import Account, address_of, public_key_of

CROISSANT_CONFORMS_TO = "http://mlcommons.org/croissant/1.0"

WALRUS_NAMESPACE = "https://docs.wal.app/#"
"""The namespace of the ``walrus:`` properties (blob ID, quilt patch ID, shard count)."""

CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "walrus": WALRUS_NAMESPACE,
}
"""The JSON-LD context of Croissant 1.0, plus the ``walrus:`` namespace."""

REPORT_DOMAIN = "morsa-dataset-report-v1"
"""Signed reports sign ``REPORT_DOMAIN ‖ 0x00 ‖ canonical JSON`` (a domain separator, so the
signature cannot be replayed as any other Morsa signature)."""


def _encoding_format(path: str) -> str:
    known = {".parquet": "application/x-parquet", ".csv": "text/csv", ".json": "application/json", ".jsonl": "application/jsonlines"}
    suffix = path[path.rfind(".") :].lower() if "." in path else ""
    return known.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def describe(
    manifest: dict[str, Any], *, name: str, description: str | None = None, aggregator: str | None = None, license: str | None = None
) -> dict[str, Any]:
    """The Croissant 1.0 JSON-LD document of a dataset manifest (see the module docs)."""
    files = []
    for record in manifest["files"]:
        target = record.get("patch_id") or record["blob_id"]
        entry: dict[str, Any] = {
            "@type": "cr:FileObject",
            "@id": record["path"],
            "name": record["path"],
            "contentUrl": f"walrus://{target}",
            "contentSize": f"{record['size']} B",
            "encodingFormat": _encoding_format(record["path"]),
            "sha256": record["sha256"],
            "walrus:blobId": record["blob_id"],
        }
        if "patch_id" in record:
            entry["walrus:quiltPatchId"] = record["patch_id"]
            entry["walrus:quiltId"] = record["quilt_id"]
        if aggregator:
            base = aggregator.rstrip("/")
            path = f"/v1/blobs/by-quilt-patch-id/{record['patch_id']}" if "patch_id" in record else f"/v1/blobs/{record['blob_id']}"
            entry["sameAs"] = base + path
        files.append(entry)
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CROISSANT_CONFORMS_TO,
        "name": name,
        "description": description or f"{name}: {len(files)} files stored on Walrus ({manifest['n_shards']} shards), each with its blob ID.",
        "url": f"walrus://{manifest['quilts'][0]['quilt_id']}" if manifest.get("quilts") else "https://walrus.xyz",
        "license": license or "https://creativecommons.org/licenses/by/4.0/",
        "datePublished": datetime.date.today().isoformat(),
        "version": "1.0.0",
        "citeAs": f"{name}, stored on Walrus",
        "walrus:nShards": manifest["n_shards"],
        "distribution": files,
    }


def is_croissant(document: dict[str, Any]) -> bool:
    """Whether a JSON document is a Croissant description (rather than a manifest)."""
    return "@context" in document and document.get("conformsTo", "").startswith("http://mlcommons.org/croissant/")


def files_of(document: dict[str, Any]) -> dict[str, Any]:
    """The manifest (``n_shards``, ``files``, ``quilts``) a Croissant document written by
    :func:`describe` describes. Raises :class:`morsa.MorsaError` when a file lacks what
    verification needs."""
    files: list[dict[str, Any]] = []
    quilts: dict[str, list[str]] = {}
    try:
        n_shards = int(document.get("walrus:nShards", morsa.MAINNET_N_SHARDS))
        for entry in document.get("distribution", []):
            if entry.get("@type") not in ("cr:FileObject", "sc:FileObject", "FileObject"):
                continue
            size_text = str(entry["contentSize"]).split()[0]
            record: dict[str, Any] = {
                "path": str(entry["name"]),
                "size": int(size_text),
                "sha256": str(entry["sha256"]),
                "blob_id": str(entry["walrus:blobId"]),
            }
            if "walrus:quiltPatchId" in entry:
                record["patch_id"] = str(entry["walrus:quiltPatchId"])
                record["quilt_id"] = str(entry["walrus:quiltId"])
                quilts.setdefault(record["quilt_id"], []).append(record["path"])
            files.append(record)
    except (KeyError, TypeError, ValueError) as e:
        raise morsa.MorsaError(f"not a Croissant description of a Walrus dataset: {type(e).__name__}: {e}") from None
    return {"version": 1, "n_shards": n_shards, "files": files, "quilts": [{"quilt_id": q, "files": f} for q, f in quilts.items()]}


def _canonical(report: dict[str, Any]) -> bytes:
    body = {k: v for k, v in report.items() if k != "signature"}
    return REPORT_DOMAIN.encode() + b"\0" + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def signed_report(
    source: str, directory: str, results: list[dict[str, Any]], account: Account, *, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """A verification report of ``results`` (one ``{"path", "size", "sha256", "blob_id", "ok",
    "reason"}`` per file) of ``directory`` against ``source``, signed by ``account``."""
    report: dict[str, Any] = {
        "format": REPORT_DOMAIN,
        "source": source,
        "directory": directory,
        "checked_at": (now or datetime.datetime.now(datetime.UTC)).isoformat(timespec="seconds"),
        "ok": all(r["ok"] for r in results),
        "files": results,
        "verifier": account.address,
    }
    report["signature"] = base64.b64encode(account.key.sign(_canonical(report))).decode()
    return report


def check_report(report: dict[str, Any]) -> str:
    """The address of the account that signed an intact report. Raises
    :class:`morsa.SignatureError` when the report was changed or the signature is not the
    verifier's, :class:`morsa.MorsaError` when it is not a report."""
    if report.get("format") != REPORT_DOMAIN or not isinstance(report.get("verifier"), str):
        raise morsa.MorsaError("not a dataset verification report")
    public_key = public_key_of(report["verifier"])
    if public_key is None:
        raise morsa.MorsaError(f"{report['verifier']!r} is not an account address")
    try:
        signature = base64.b64decode(str(report.get("signature", "")), validate=True)
    except ValueError:
        raise morsa.SignatureError("the report's signature is not base64") from None
    if len(signature) != 64 or not morsa.verify_signature(public_key, _canonical(report), signature):
        raise morsa.SignatureError("the report was changed or not signed by its verifier")
    return address_of(public_key)
