"""``morsa certificate``: Walrus's BLS12-381 certificates, verified offline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import IO, Any

import morsa

from ._common import CliError


def _value(text: str) -> Any:
    """A command-line byte value: a JSON list (``[1,2,3]``) or text (hex, base64)."""
    text = text.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise CliError(f"{text[:40]!r} is not a JSON list") from None
    return text


def cmd_verify(args: argparse.Namespace, out: IO[str]) -> int:
    """Exit 0 when Walrus's rules accept the certificate, 1 when they refuse it (the reason is
    printed), 2 for unusable input."""
    from morsa.walrus_certificates import load_committee, verify_walrus_certificate

    committee = load_committee(args.committee)
    if args.certificate:
        try:
            cert = json.loads(Path(args.certificate).read_text())
            signature, signers = cert["signature"], cert["signers"]
            message = cert.get("serialized_message", cert.get("message"))
        except (ValueError, KeyError, TypeError):
            raise CliError(f"{args.certificate}: give a JSON object with signature, signers and serialized_message") from None
    else:
        if not (args.signature and args.signers and args.message):
            raise CliError("give --certificate FILE, or --signature, --signers and --message")
        signature, signers, message = _value(args.signature), _value(args.signers), _value(args.message)
    try:
        verified = verify_walrus_certificate(signature, signers, message, committee, args.kind)
    except (morsa.CertificateError, morsa.SignatureError, morsa.WireFormatError) as e:
        if args.json:
            out.write(json.dumps({"accepted": False, "reason": str(e), "error": type(e).__name__}) + "\n")
        else:
            out.write(f"REFUSED by Walrus's rules (epoch {committee.epoch}, {committee.n_shards} shards): {e}\n")
        return 1
    result = {
        "accepted": True,
        "kind": verified.kind,
        "epoch": verified.epoch,
        "blob_id": verified.blob_id,
        "object_id": None if verified.object_id is None else "0x" + verified.object_id.hex(),
        "signer_weight": verified.signer_weight,
        "n_signers": verified.n_signers,
        "n_shards": committee.n_shards,
    }
    if args.json:
        out.write(json.dumps(result) + "\n")
    else:
        what = "certifies" if verified.kind == "confirmation" else "declares invalid"
        obj = "" if result["object_id"] is None else f" (deletable object {result['object_id']})"
        out.write(
            f"ACCEPTED: {what} blob {verified.blob_id}{obj} in epoch {verified.epoch}; "
            f"{verified.n_signers} signers hold {verified.signer_weight} of {committee.n_shards} shards\n"
        )
    return 0


def cmd_committee(args: argparse.Namespace, out: IO[str]) -> int:
    """Convert a committee (Walrus's shape, or a snapshot) to a snapshot, checking every key."""
    from morsa.walrus_certificates import load_committee

    committee = load_committee(args.file)
    out.write(json.dumps(committee.to_json(), indent=1) + "\n")
    return 0


def register(sub: Any) -> None:
    """Add ``certificate`` (``verify``, ``committee``) to the parser."""
    p = sub.add_parser(
        "certificate",
        help="Walrus's BLS12-381 certificates, verified offline",
        description="Check the arguments of a Walrus certify_blob (or invalidate_blob_id) call against a committee "
        "snapshot by Walrus's rules (SPEC §10.3): the message's epoch, the signer bitmap, the quorum by shard weight "
        "and the aggregate BLS signature.",
    )
    c = p.add_subparsers(dest="certificate_command", metavar="COMMAND", required=True)
    v = c.add_parser(
        "verify",
        help="say whether Walrus accepts a certificate, and why not",
        description="Byte values are 0x-hex, base64 or a JSON list of numbers; --signers may also be a JSON list of "
        "member indices (Walrus's ConfirmationCertificate.signers). Exit status: 0 accepted, 1 refused, 2 bad input.",
    )
    v.add_argument("--committee", required=True, metavar="FILE", help="committee snapshot (JSON; see `morsa certificate committee`)")
    v.add_argument("--certificate", metavar="FILE", help="JSON with signature, signers and serialized_message")
    v.add_argument("--signature", metavar="BYTES", help="the aggregate BLS signature (96 bytes)")
    v.add_argument("--signers", metavar="BITMAP|[INDICES]", help="the signer bitmap, or a JSON list of member indices")
    v.add_argument("--message", metavar="BYTES", help="the signed message (BCS ProtocolMessage)")
    v.add_argument("--kind", choices=["confirmation", "invalid_blob"], help="default: the kind the message declares")
    v.add_argument("--json", action="store_true", help="print one JSON object")
    v.set_defaults(func=cmd_verify)
    m = c.add_parser(
        "committee",
        help="write a committee snapshot from Walrus's committee shape",
        description="Read a committee as JSON (Walrus's Committee shape: epoch and members with public_key and shard_ids; "
        "or a snapshot) and print the snapshot: epoch and members, in committee order, with BLS public key (base64) and weight.",
    )
    m.add_argument("file", metavar="FILE")
    m.set_defaults(func=cmd_committee)
