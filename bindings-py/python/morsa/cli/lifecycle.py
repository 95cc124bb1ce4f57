"""The blob lifecycle on a network: ``blob-status``, ``list-blobs``, ``extend``, ``delete``,
``share``, ``fund-shared-blob``, ``set-blob-attribute``, ``remove-blob-attribute``."""

from __future__ import annotations

import argparse
import json
from typing import IO, Any

import morsa

from ._common import CliError, add_network_args, client_from_args
from .staking import amount_arg, wal


def _blob_id(text: str) -> str:
    if not morsa.is_blob_id(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a blob ID (43 characters of base64url without padding)")
    return text


def _describe(blob_id: str, state: dict[str, Any]) -> str:
    obj = state["blob_object"]
    storage = obj["storage"]
    lines = [
        f"blob ID          {blob_id}",
        f"status           {state['status']}",
        f"object ID        {obj['id']}",
        f"size             {obj['size']} bytes ({storage['storageSize']} bytes encoded)",
        f"registered       epoch {obj['registeredEpoch']}",
        f"certified        {'epoch ' + str(obj['certifiedEpoch']) if obj['certifiedEpoch'] is not None else 'no'}",
        f"stored until     epoch {storage['endEpoch']} (storage {storage['id'][:18]}… from epoch {storage['startEpoch']})",
        f"deletable        {'yes' if obj['deletable'] else 'no (permanent)'}",
        f"owner            {state.get('owner')}",
    ]
    if state.get("shared"):
        lines.append(f"shared           yes, funds {wal(state['shared_balance'])}")
    for key, value in sorted((state.get("attributes") or {}).items()):
        lines.append(f"attribute        {key} = {value}")
    return "\n".join(lines) + "\n"


def cmd_blob_status(args: argparse.Namespace, out: IO[str]) -> int:
    state = client_from_args(args).blob_status(args.blob_id)
    if args.json:
        out.write(json.dumps({"blob_id": args.blob_id, **state}) + "\n")
    else:
        out.write(_describe(args.blob_id, state))
    return 0


def cmd_list_blobs(args: argparse.Namespace, out: IO[str]) -> int:
    blobs = client_from_args(args).list_blobs("*" if args.all else None, include_gone=args.include_expired)
    if args.json:
        out.write(json.dumps(blobs) + "\n")
        return 0
    if not blobs:
        out.write("no blobs\n")
    for b in blobs:
        obj = b["blob_object"]
        kind = "deletable" if obj["deletable"] else "permanent"
        out.write(f"{b['blob_id']}  {b['status']:<9} {obj['size']:>12} bytes  until epoch {obj['storage']['endEpoch']:<5} {kind}\n")
    return 0


def cmd_extend(args: argparse.Namespace, out: IO[str]) -> int:
    if args.epochs < 1:
        raise CliError(f"--epochs must be at least 1, not {args.epochs}")
    result = client_from_args(args).extend(args.blob_id, args.epochs, shared_funds=args.shared)
    end = result["blob_object"]["storage"]["endEpoch"]
    payer = "the shared blob's funds" if args.shared else "your account"
    out.write(f"{args.blob_id}: stored until epoch {end} (cost {result['cost']} FROST, paid by {payer})\n")
    return 0


def cmd_delete(args: argparse.Namespace, out: IO[str]) -> int:
    result = client_from_args(args).delete(args.blob_id)
    storage = result["storage_returned"]
    out.write(
        f"{args.blob_id}: deleted; its storage ({storage['size']} bytes until epoch {storage['end_epoch']}) is yours to reuse\n"
    )
    return 0


def cmd_share(args: argparse.Namespace, out: IO[str]) -> int:
    state = client_from_args(args).share(args.blob_id, args.amount or 0)
    out.write(f"{args.blob_id}: shared, funds {wal(state['shared_balance'])}; anyone may fund it with 'morsa fund-shared-blob'\n")
    return 0


def cmd_fund(args: argparse.Namespace, out: IO[str]) -> int:
    state = client_from_args(args).fund_shared_blob(args.blob_id, args.amount)
    out.write(f"{args.blob_id}: funds {wal(state['shared_balance'])}\n")
    return 0


def cmd_set_attribute(args: argparse.Namespace, out: IO[str]) -> int:
    state = client_from_args(args).set_blob_attributes(args.blob_id, {args.key: args.value})
    out.write(f"{args.blob_id}: {args.key} = {state['attributes'][args.key]}\n")
    return 0


def cmd_remove_attribute(args: argparse.Namespace, out: IO[str]) -> int:
    client_from_args(args).set_blob_attributes(args.blob_id, remove=[args.key])
    out.write(f"{args.blob_id}: {args.key} removed\n")
    return 0


def attribute_arg(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` for ``--attribute``."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"an attribute is KEY=VALUE, not {text!r}")
    return key, value


def register(sub: Any) -> None:
    """Add the blob-lifecycle commands to the parser."""
    p = sub.add_parser(
        "blob-status",
        help="a blob's status, epochs, owner and attributes",
        description="Status (registered, certified, invalid, expired, deleted), registered, certified and end epochs, "
        "deletable or permanent, owner, object ID, shared funds and attributes of a blob.",
    )
    p.add_argument("blob_id", type=_blob_id, metavar="BLOB_ID")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_network_args(p)
    p.set_defaults(func=cmd_blob_status)

    p = sub.add_parser("list-blobs", help="the blobs your account owns")
    p.add_argument("--all", action="store_true", help="every account's blobs")
    p.add_argument("--include-expired", action="store_true", help="also expired, deleted and invalid blobs")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    add_network_args(p)
    p.set_defaults(func=cmd_list_blobs)

    p = sub.add_parser(
        "extend",
        help="store a certified blob for more epochs (anyone may pay)",
        description="Extend a certified blob's storage by N epochs; the payment goes to the storage nodes of those "
        "epochs (REWARDS.md §1.7). Anyone may pay; --shared pays from a shared blob's funds.",
    )
    p.add_argument("blob_id", type=_blob_id, metavar="BLOB_ID")
    p.add_argument("--epochs", type=int, required=True, metavar="N", help="epochs to add")
    p.add_argument("--shared", action="store_true", help="pay from the shared blob's funds")
    add_network_args(p)
    p.set_defaults(func=cmd_extend)

    p = sub.add_parser(
        "delete",
        help="delete a deletable blob you own",
        description="Delete a deletable blob: storage nodes drop its data and reads answer 404. Its storage resource "
        "returns to your account, and a later store that fits it reuses it (paying only the write fee).",
    )
    p.add_argument("blob_id", type=_blob_id, metavar="BLOB_ID")
    add_network_args(p)
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("share", help="make a permanent blob shared: anyone may fund its extensions")
    p.add_argument("blob_id", type=_blob_id, metavar="BLOB_ID")
    p.add_argument("--amount", type=amount_arg, metavar="AMOUNT", help="initial funds (WAL, or FROST with a suffix)")
    add_network_args(p)
    p.set_defaults(func=cmd_share)

    p = sub.add_parser("fund-shared-blob", help="add funds to a shared blob")
    p.add_argument("blob_id", type=_blob_id, metavar="BLOB_ID")
    p.add_argument("amount", type=amount_arg, metavar="AMOUNT", help="WAL (e.g. 2.5), or FROST with a suffix (1000FROST)")
    add_network_args(p)
    p.set_defaults(func=cmd_fund)

    p = sub.add_parser(
        "set-blob-attribute",
        help="set an attribute of a blob you own",
        description="Set KEY to VALUE on a blob. Aggregators serve content-type, content-disposition, content-encoding, "
        "content-language, content-location and link as response headers.",
    )
    p.add_argument("blob_id", type=_blob_id, metavar="BLOB_ID")
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE")
    add_network_args(p)
    p.set_defaults(func=cmd_set_attribute)

    p = sub.add_parser("remove-blob-attribute", help="remove an attribute of a blob you own")
    p.add_argument("blob_id", type=_blob_id, metavar="BLOB_ID")
    p.add_argument("key", metavar="KEY")
    add_network_args(p)
    p.set_defaults(func=cmd_remove_attribute)
