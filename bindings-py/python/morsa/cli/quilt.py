"""Commands for quilts and datasets (SPEC §13): ``quilt build``, ``store-quilt``,
``read-quilt`` and ``dataset publish|verify|pull``; ``blob-id --quilt`` calls
:func:`print_quilt_ids`.


"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import IO, Any

import morsa
from morsa import dataset
from morsa._fs import atomic_write

from ._common import CliError, add_n_shards, add_network_args, client_from_args


def _tags_arg(text: str | None) -> dict[str, dict[str, str]]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as e:
        raise CliError(f"--tags is not JSON: {e}") from None
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise CliError('--tags must map identifiers (or "*" for all) to objects of tags, e.g. {"*": {"kind": "csv"}}')
    return value


def _entries(args: argparse.Namespace) -> list[dataset.Entry]:
    try:
        return dataset.entries_from_paths(args.paths, _tags_arg(args.tags))
    except FileNotFoundError as e:
        raise CliError(f"{e.filename}: no such file or directory") from None


def _print_quilt(quilt: morsa.Quilt, as_json: bool, out: IO[str], extra: dict[str, Any] | None = None) -> None:
    ids = quilt.patch_ids()
    if as_json:
        record = {
            "quilt_id": quilt.blob_id,
            "size": len(quilt.blob),
            "symbol_size": quilt.symbol_size,
            "n_shards": quilt.n_shards,
            "patches": [
                {"identifier": p.identifier, "patch_id": ids[p.identifier], "tags": p.tags, "start_index": p.start_index, "end_index": p.end_index}
                for p in quilt.patches
            ],
            **(extra or {}),
        }
        out.write(json.dumps(record) + "\n")
        return
    out.write(f"{quilt.blob_id}  (quilt of {len(quilt.patches)} files, {len(quilt.blob)} bytes)\n")
    for p in quilt.patches:
        out.write(f"{ids[p.identifier]}  {p.identifier}\n")


def print_quilt_ids(paths: list[str], n_shards: int, as_json: bool, out: IO[str]) -> int:
    """``morsa blob-id --quilt``: the quilt ID and every patch ID, without storing."""
    ns = argparse.Namespace(paths=paths, tags=None)
    _print_quilt(morsa.build_quilt(_entries(ns), n_shards), as_json, out)
    return 0


def cmd_quilt_build(args: argparse.Namespace, out: IO[str]) -> int:
    quilt = morsa.build_quilt(_entries(args), args.n_shards)
    atomic_write(Path(args.out), quilt.blob)
    _print_quilt(quilt, args.json, out, {"path": args.out})
    return 0


def cmd_store_quilt(args: argparse.Namespace, out: IO[str]) -> int:

    stored = client_from_args(args).store_quilt(_entries(args), epochs=args.epochs, deletable=args.deletable)
    if args.json:
        out.write(json.dumps({"quilt_id": stored.quilt_id, "cost": stored.store.cost, "patches": [
            {"identifier": p.identifier, "patch_id": stored.patch_ids[p.identifier], "tags": p.tags} for p in stored.patches
        ]}) + "\n")
    else:
        out.write(f"{stored.quilt_id}  (quilt of {len(stored.patches)} files, cost {stored.store.cost} FROST)\n")
        for p in stored.patches:
            out.write(f"{stored.patch_ids[p.identifier]}  {p.identifier}\n")
    return 0


def cmd_list_patches(args: argparse.Namespace, out: IO[str]) -> int:
    """``list-patches-in-quilt``: the patches of a stored quilt, from its index only."""
    if not morsa.is_blob_id(args.quilt_id):
        raise CliError(f"{args.quilt_id!r} is not a quilt ID (a blob ID: 43 characters of base64url)")
    patches = client_from_args(args).read_quilt_index(args.quilt_id)
    rows: list[dict[str, Any]] = [
        {"identifier": p.identifier, "patch_id": p.patch_id(args.quilt_id), "tags": dict(p.tags)} for p in patches
    ]
    if args.json:
        out.write(json.dumps(rows) + "\n")
        return 0
    for row in rows:
        tags = " ".join(f"{k}={v}" for k, v in sorted(row["tags"].items()))
        out.write(f"{row['patch_id']}  {row['identifier']}{'  ' + tags if tags else ''}\n")
    return 0


def cmd_read_quilt(args: argparse.Namespace, out: IO[str]) -> int:

    client = client_from_args(args)
    root = Path(args.out)
    if len(args.id) == 50:
        patches = [client.read_patch(args.id)]
    elif args.identifier is not None:
        patches = [client.read_patch(args.id, args.identifier)]
    else:
        tag = None
        if args.tag is not None:
            key, sep, value = args.tag.partition("=")
            if not sep:
                raise CliError(f"--tag must be KEY=VALUE, not {args.tag!r}")
            tag = (key, value)
        patches = client.read_patches(args.id, tag=tag)
    for patch in patches:
        target = dataset.safe_target(root, patch.identifier)
        dataset.write_atomically(target, patch.data)
        out.write(f"{patch.patch_id}  {target} ({len(patch.data)} bytes, verified)\n")
    return 0


def cmd_dataset_publish(args: argparse.Namespace, out: IO[str]) -> int:

    from morsa import croissant

    client = client_from_args(args)
    manifest = dataset.publish(client, args.dir, epochs=args.epochs, small_bytes=args.small_bytes)
    name = args.name or Path(args.dir).resolve().name
    target = Path(args.manifest or name + ".manifest.json")
    described = target.with_name(target.name.removesuffix(".manifest.json").removesuffix(".json") + ".croissant.json")
    aggregator = args.aggregator
    if aggregator is None and not args.chain:
        from morsa.devnet import Devnet

        aggregator = Devnet.load(args.devnet).daemon_url
    document = croissant.describe(manifest, name=name, aggregator=aggregator)
    atomic_write(target, (json.dumps(manifest, indent=1) + "\n").encode())
    atomic_write(described, (json.dumps(document, indent=1) + "\n").encode())
    out.write(f"{target}: {len(manifest['files'])} files, {len(manifest['quilts'])} quilts\n{described}: Croissant description\n")
    return 0


def cmd_dataset_verify(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa import croissant
    from morsa.net.accounts import Account

    account = None
    if args.report:
        if not args.account:
            raise CliError("--report needs --account KEY_FILE: the report is signed with that account's key")
        try:
            account = Account.load(args.account)
        except (OSError, ValueError) as e:
            raise CliError(f"{args.account}: {e}") from None
    results = dataset.check(dataset.load_description(args.manifest), args.dir)
    if args.table:
        width = max([4, *(len(r.path) for r in results)])
        out.write(f"{'file':<{width}}  {'bytes':>12}  {'blob ID':<43}  result\n")
        for r in results:
            out.write(f"{r.path:<{width}}  {r.size:>12}  {r.blob_id:<43}  {'OK' if r.ok else 'MISMATCH: ' + r.reason}\n")
    else:
        for r in results:
            if not r.ok:
                out.write(f"MISMATCH  {r.path}: {r.reason}\n")
    bad = [r for r in results if not r.ok]
    if not bad:
        out.write(f"OK  {args.dir} matches {args.manifest}\n")
    if account is not None:
        report = croissant.signed_report(
            str(args.manifest), str(args.dir), [dataclasses.asdict(r) for r in results], account
        )
        atomic_write(Path(args.report), (json.dumps(report, indent=1) + "\n").encode())
        out.write(f"{args.report}: report signed by {account.address}\n")
    return 1 if bad else 0


def cmd_dataset_check_report(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa import croissant

    try:
        report = json.loads(Path(args.report).read_text())
    except ValueError as e:
        raise CliError(f"{args.report}: not JSON: {e}") from None
    verifier = croissant.check_report(report)
    failed = sum(1 for f in report["files"] if not f.get("ok"))
    verdict = "all files matched" if report.get("ok") else f"{failed} files did not match"
    out.write(f"intact, signed by {verifier} at {report['checked_at']}: {len(report['files'])} files of {report['source']}, {verdict}\n")
    return 0


def cmd_dataset_pull(args: argparse.Namespace, out: IO[str]) -> int:

    count = dataset.pull(client_from_args(args), dataset.load_manifest(args.manifest), args.out)
    out.write(f"{count} files into {args.out}, verified\n")
    return 0


def register(sub: Any) -> None:
    """Add ``quilt``, ``store-quilt``, ``read-quilt`` and ``dataset`` to the parser."""
    p = sub.add_parser("quilt", help="build quilts (many files in one blob) locally")
    q = p.add_subparsers(dest="quilt_command", metavar="COMMAND", required=True)
    b = q.add_parser("build", help="build a quilt blob from a directory or files (SPEC §13)")
    b.add_argument("paths", nargs="+", metavar="DIR|FILE")
    b.add_argument("--out", required=True, metavar="FILE", help="the quilt blob (written atomically)")
    b.add_argument("--tags", metavar="JSON", help='tags per identifier, "*" for all: {"*": {"k": "v"}}')
    add_n_shards(b)
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.set_defaults(func=cmd_quilt_build)

    p = sub.add_parser("store-quilt", help="store a directory or files as one quilt")
    p.add_argument("paths", nargs="+", metavar="DIR|FILE")
    p.add_argument("--tags", metavar="JSON", help='tags per identifier, "*" for all: {"*": {"k": "v"}}')
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--deletable", action="store_true")
    p.add_argument("--json", action="store_true")
    add_network_args(p)
    p.set_defaults(func=cmd_store_quilt)

    p = sub.add_parser("read-quilt", help="read files of a quilt, each verified, into a directory",
                       description="QUILT_ID is a quilt's blob ID (all files, or --identifier / --tag) or a quilt patch ID.")
    p.add_argument("id", metavar="QUILT_ID")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--identifier", metavar="ID")
    g.add_argument("--tag", metavar="K=V")
    p.add_argument("--out", required=True, metavar="DIR")
    add_network_args(p)
    p.set_defaults(func=cmd_read_quilt)

    p = sub.add_parser(
        "list-patches-in-quilt",
        help="the files of a stored quilt: identifiers, quilt patch IDs and tags",
        description="Read a quilt's index (only the columns that hold it, each sliver verified) and list its patches.",
    )
    p.add_argument("quilt_id", metavar="QUILT_ID")
    p.add_argument("--json", action="store_true", help="a JSON list of {identifier, patch_id, tags}")
    add_network_args(p)
    p.set_defaults(func=cmd_list_patches)

    p = sub.add_parser("dataset", help="publish, verify and pull directories (quilts for small files)")
    d = p.add_subparsers(dest="dataset_command", metavar="COMMAND", required=True)
    pb = d.add_parser("publish", help="store a directory and write its manifest")
    pb.add_argument("dir", metavar="DIR")
    pb.add_argument("--manifest", metavar="FILE", help="manifest path (default: DIR name + .manifest.json)")
    pb.add_argument("--epochs", type=int, default=1)
    pb.add_argument("--small-bytes", type=int, default=dataset.DEFAULT_SMALL_BYTES, help="files up to this size go into quilts")
    pb.add_argument("--name", help="the dataset's name in its Croissant description (default: DIR's name)")
    pb.add_argument("--aggregator", metavar="URL", help="aggregator URL for the files' sameAs links (default: the devnet's)")
    add_network_args(pb)
    pb.set_defaults(func=cmd_dataset_publish)
    v = d.add_parser(
        "verify",
        help="check a local copy against a manifest or Croissant description, offline (exit 1 on mismatch)",
        description="Check every file's size, SHA-256 and Walrus blob ID (and the quilts rebuilt from them) against "
        "a manifest or the Croissant description 'dataset publish' wrote. With --report, also write a JSON report "
        "signed with --account's key, which 'dataset check-report' checks.",
    )
    v.add_argument("manifest", metavar="MANIFEST_OR_CROISSANT")
    v.add_argument("dir", metavar="DIR")
    v.add_argument("--table", action="store_true", help="print a line per file (file, bytes, blob ID, result)")
    v.add_argument("--report", metavar="FILE", help="write a signed JSON report of the check")
    v.add_argument("--account", metavar="KEY_FILE", help="key file of the account that signs the report")
    v.set_defaults(func=cmd_dataset_verify)
    cr = d.add_parser("check-report", help="check a signed verification report: who verified what, when, and that it is intact")
    cr.add_argument("report", metavar="FILE")
    cr.set_defaults(func=cmd_dataset_check_report)
    pl = d.add_parser("pull", help="fetch every file of a manifest, verified")
    pl.add_argument("manifest", metavar="MANIFEST")
    pl.add_argument("--out", required=True, metavar="DIR")
    add_network_args(pl)
    pl.set_defaults(func=cmd_dataset_pull)
