"""Commands of the network: ``store``, ``read``, ``account``, ``daemon`` and ``devnet``."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import IO, Any

import morsa

from ._common import CliError, add_n_shards, add_network_args, client_from_args, error, progress_bar, size_arg
from .lifecycle import attribute_arg
from .private import add_policy_options


def cmd_daemon_run(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.daemon import DaemonConfig, run
    from morsa.net.server import PortInUseError, configure_logging

    configure_logging()
    config = DaemonConfig(
        chain_url=args.chain,
        port=args.port,
        account_key=args.account_key,
        max_body_bytes=args.max_body_size * 1024,
        cache_dir=args.cache_dir,
        cache_bytes=args.cache_size * 1024 * 1024,
    )
    try:
        return run(config)
    except PortInUseError as e:
        raise CliError(str(e)) from None


DEFAULT_EPOCH_DURATION_MS = 5 * 60_000
"""The epoch timer of a devnet created by ``morsa devnet up`` without ``--epoch-duration``."""


def cmd_devnet_up(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa import devnet

    duration = args.epoch_duration
    directory = Path(args.dir) if args.dir else devnet.default_directory()
    if duration is None and not (directory / devnet.STATE_FILE).exists():
        duration = DEFAULT_EPOCH_DURATION_MS
    net = devnet.up(directory, args.nodes, args.n_shards, duration, args.signatures, args.key_servers, args.seal_threshold)
    period = net.epoch_duration_ms
    epochs = f"epochs every {period / 1000:g} s" if period else "epochs on demand ('morsa devnet epoch')"
    signatures = "BLS12-381 certificates, as Walrus" if net.signature_scheme == "bls12381" else "Ed25519 certificates"
    out.write(f"devnet running in {net.directory} ({len(net.nodes)} storage nodes, {net.n_shards} shards, {epochs}, {signatures})\n")
    out.write(f"  control plane  {net.chain_url}\n  aggregator and publisher  {net.daemon_url}\n")
    for node in net.nodes:
        out.write(f"  {node.name:<8} {node.url}\n")
    for server in net.key_servers:
        out.write(f"  {server.name:<8} {server.url}  (key server)\n")
    return 0


def cmd_devnet_status(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.devnet import Devnet

    net = Devnet.load(args.dir)
    status = net.status()
    if args.json:
        out.write(json.dumps({"directory": net.directory, "processes": status}) + "\n")
    else:
        for p in status:
            state = "healthy" if p["healthy"] else "not answering" if p["running"] else "stopped"
            out.write(f"{p['name']:<8} {state:<13} {p['url']}\n")
    return 0 if all(p["healthy"] for p in status) else 1


def cmd_devnet_down(args: argparse.Namespace, out: IO[str]) -> int:
    import shutil

    from morsa.devnet import Devnet

    net = Devnet.load(args.dir)
    net.down()
    if args.purge:
        shutil.rmtree(net.directory)
        out.write(f"devnet stopped and {net.directory} removed\n")
    else:
        out.write(f"devnet stopped; its state stays in {net.directory}\n")
    return 0


def cmd_devnet_epoch(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.devnet import Devnet

    summary = Devnet.load(args.dir).advance_epoch()
    if args.json:
        out.write(json.dumps(summary) + "\n")
    else:
        out.write(
            f"epoch {summary['epoch']}: {summary['paid']} FROST paid to {len(summary['rewards'])} nodes, "
            f"{summary['burned']} burned, {summary['leftover']} rolled over\n"
        )
    return 0


def duration_arg(text: str) -> int:
    """A duration in ms: ``90`` or ``90s`` (seconds), ``5m``, ``1h``; ``0``: off."""
    units = {"s": 1000, "m": 60_000, "h": 3_600_000}
    number, unit = (text[:-1], units[text[-1]]) if text and text[-1] in units else (text, 1000)
    try:
        value = float(number) * unit
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 5m, 1h; 0: off)") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r}")
    if 0 < value < 1000:
        raise argparse.ArgumentTypeError(f"an epoch lasts at least 1 s, not {text!r}")
    return int(value)


def cmd_devnet_node(args: argparse.Namespace, out: IO[str]) -> int:
    import signal

    from morsa.devnet import Devnet

    net = Devnet.load(args.dir)
    node = net.node(args.name)
    if args.action == "start":
        net.start(node)
    else:
        net.stop(node, sig=signal.SIGKILL if args.action == "kill" else signal.SIGTERM)
    out.write(f"{node.name}: {args.action}\n")
    return 0


def _store_via_publisher(args: argparse.Namespace, path: Path, out: IO[str]) -> int:
    """``morsa store FILE --publisher URL``: any Walrus publisher; the blob ID it reports must
    be the file's."""
    from morsa.net.publisher import PublisherClient
    from morsa.net.sync import run_sync
    from morsa.net.transport import Http

    if args.attribute or args.chunk_size:
        raise CliError("--attribute and --chunk-size need the network itself, not a publisher")
    publisher = PublisherClient(Http(timeout=600), args.publisher, args.n_shards)
    result = run_sync(
        publisher.store_file(
            path, epochs=args.epochs, permanent=not args.deletable, send_object_to=args.send_object_to, share=args.share
        )
    )
    if args.json:
        out.write(json.dumps({"path": str(path), "blob_id": result.blob_id, "publisher": result.answer}) + "\n")
    else:
        state = "stored" if result.newly_created else "already certified"
        until = f", until epoch {result.end_epoch}" if result.end_epoch is not None else ""
        cost = f", cost {result.cost} FROST" if result.newly_created else ""
        out.write(f"{result.blob_id}  {path}  ({state} by {args.publisher}{cost}{until}; blob ID checked)\n")
    return 0


def _store_private(args: argparse.Namespace, path: Path, out: IO[str]) -> int:
    """``morsa store FILE --encrypt --policy KIND:NAME``: Seal-encrypt to the network's key
    servers under the policy (created when missing), store the ciphertext."""
    from morsa.cli.private import _unlock

    if args.publisher or args.upload_relay or args.chunk_size or args.share or args.send_object_to:
        raise CliError("--encrypt stores through the network itself (not with --publisher, --upload-relay, --chunk-size or --share)")
    if not args.policy:
        raise CliError("--encrypt needs --policy KIND:NAME (owner, allowlist, timelock, subscription) or a policy ID")
    client = client_from_args(args)
    result = client.private.store(
        path,
        policy=args.policy,
        threshold=args.threshold,
        create=_unlock(args),
        epochs=args.epochs,
        deletable=args.deletable,
        attributes=dict(args.attribute or []) or None,
    )
    stored = result.stored
    if args.json:
        record = {"path": str(path), "blob_id": result.blob_id, "policy_id": result.policy_id, "identity": result.identity.hex(), "cost": stored.cost}
        out.write(json.dumps(record) + "\n")
    else:
        state = "stored encrypted" if stored.newly_created else "already certified"
        out.write(f"{result.blob_id}  {path}  ({state} under policy {args.policy} = {result.policy_id}, cost {stored.cost} FROST, "
                  f"until epoch {stored.blob_object['storage']['endEpoch']})\n")
    return 0


def cmd_store(args: argparse.Namespace, out: IO[str]) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    if args.encrypt:
        return _store_private(args, path, out)
    if args.policy:
        raise CliError("--policy goes with --encrypt")
    if args.publisher:
        return _store_via_publisher(args, path, out)
    if args.send_object_to or args.share:
        raise CliError("--send-object-to and --share are publisher options here (give --publisher URL)")
    client = client_from_args(args)
    if args.upload_relay:
        if args.attribute or args.chunk_size:
            raise CliError("--attribute and --chunk-size are not available through an upload relay")
        result = client.store_via_relay(path, args.upload_relay, epochs=args.epochs, deletable=args.deletable)
        if args.json:
            out.write(json.dumps({"path": str(path), "blob_id": result.blob_id, "cost": result.cost, "blob_object": result.blob_object}) + "\n")
        else:
            state = "stored through the relay" if result.newly_created else "already certified"
            out.write(f"{result.blob_id}  {path}  ({state}, cost {result.cost} FROST, certificate checked)\n")
        return 0
    with progress_bar(args.progress, f"store {path.name}", path.stat().st_size) as progress:
        result = client.store_file(
            path,
            chunk_size=args.chunk_size,
            epochs=args.epochs,
            deletable=args.deletable,
            progress=progress,
            attributes=dict(args.attribute or []) or None,
        )
    if args.json:
        record = {"path": str(path), "blob_id": result.blob_id, "cost": result.cost, "blob_object": result.blob_object}
        if result.chunks:
            record["chunks"] = result.chunks
        out.write(json.dumps(record) + "\n")
    else:
        state = "stored" if result.newly_created else "already certified"
        if result.chunks:
            state += f" as {len(result.chunks)} chunks and a manifest"
        out.write(f"{result.blob_id}  {path}  ({state}, cost {result.cost} FROST, until epoch {result.blob_object['storage']['endEpoch']})\n")
    return 0


def _read_object(args: argparse.Namespace, target: Path, out: IO[str]) -> int:
    """``morsa read --object-id ID --aggregator URL``: the blob of a blob object, its blob ID
    computed from the bytes; checked against the control plane's record when it can be asked
    (``--chain``/``--devnet``)."""
    from morsa.net.aggregator import AggregatorClient
    from morsa.net.sync import run_sync
    from morsa.net.transport import Http

    object_id = args.object_id.lower()
    if not re.fullmatch(r"0x[0-9a-f]{64}", object_id):
        raise CliError(f"{args.object_id!r} is not an object ID (0x and 64 hex digits)")
    if not args.aggregator:
        raise CliError("--object-id reads through an aggregator: give --aggregator URL")
    expected = None
    if args.chain or args.devnet:
        found = run_sync(client_from_args(args).control.blob_by_object_id(object_id))
        if found is None:
            raise CliError(f"the control plane knows no blob object {object_id}")
        expected = found[0]
    aggregator = AggregatorClient(Http(timeout=300), args.aggregator, args.n_shards)
    blob_id = run_sync(aggregator.read_object_to(object_id, target, expected))
    how = "verified against the control plane's record" if expected else "blob ID computed from the bytes"
    out.write(f"{blob_id}  {target} ({target.stat().st_size} bytes, {how})\n")
    return 0


def cmd_read(args: argparse.Namespace, out: IO[str]) -> int:
    target = Path(args.out)
    if args.object_id:
        if args.blob_id:
            raise CliError("give a BLOB_ID or --object-id, not both")
        if args.start is not None or args.length is not None:
            raise CliError("--start/--length read a range of a BLOB_ID, not of --object-id")
        target.parent.mkdir(parents=True, exist_ok=True)
        return _read_object(args, target, out)
    if not args.blob_id or not morsa.is_blob_id(args.blob_id):
        raise CliError(f"{args.blob_id!r} is not a blob ID (43 characters of base64url without padding)")
    target.parent.mkdir(parents=True, exist_ok=True)
    if args.start is not None or args.length is not None:
        return _read_range(args, target, out)
    staged = target.with_name(f".{target.name}.morsa-read")
    try:
        if args.aggregator:
            from morsa.net.aggregator import AggregatorClient
            from morsa.net.sync import run_sync
            from morsa.net.transport import Http

            aggregator = AggregatorClient(Http(timeout=300), args.aggregator, args.n_shards)
            run_sync(aggregator.read_to(args.blob_id, staged))
        else:
            client = client_from_args(args)
            with progress_bar(args.progress, f"read {args.blob_id[:8]}") as progress:
                if args.raw:
                    client.read_to(args.blob_id, staged, progress=progress)
                else:
                    client.read_file_to(args.blob_id, staged)
        how = "verified"
        if not args.raw and _decrypt_if_private(args, staged, target):
            how = "verified, decrypted"
        else:
            os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    out.write(f"{args.blob_id}  {target} ({target.stat().st_size} bytes, {how})\n")
    return 0


def _decrypt_if_private(args: argparse.Namespace, staged: Path, target: Path) -> bool:
    """When ``staged`` holds a private blob of this network: decrypt it into ``target``
    (atomically; True). Access refused, or too few key servers: :class:`CliError` saying why,
    ``target`` untouched. Read through an aggregator with no network named: a note on stderr."""
    from morsa import _native
    from morsa._fs import atomic_write
    from morsa.private import PrivateBlobError, is_private_blob

    with open(staged, "rb") as f:
        head = f.read(4)
    if not _native.seal_may_be_blob(head):
        return False
    if args.aggregator and not (args.chain or args.devnet):
        if is_private_blob(staged.read_bytes()):
            error("note: this looks like a private (encrypted) blob; give --devnet or --chain to decrypt it")
        return False
    client = client_from_args(args)
    servers = client._sync(client.private.anetwork_key_servers())
    if servers is None:
        return False  # a network without key servers has no private blobs
    blob = staged.read_bytes()
    if not is_private_blob(blob, servers.package_id):
        return False
    try:
        plaintext = client.private.decrypt(blob)
    except PrivateBlobError as e:
        raise CliError(f"cannot decrypt {args.blob_id}: {e} (the encrypted blob itself: morsa read --raw)") from None
    atomic_write(target, plaintext)
    return True


def _read_range(args: argparse.Namespace, target: Path, out: IO[str]) -> int:
    """``morsa read BLOB_ID --start N --length N``: verified from the storage nodes, or through
    an aggregator's ``byte-range`` route (unverified: a part of a blob has no blob ID to check)."""
    from morsa._fs import atomic_write

    start, length = args.start, args.length
    if start is None or length is None or start < 0 or length <= 0:
        raise CliError("--start and --length go together: a byte offset (0 or more) and a positive length")
    if args.aggregator:
        from morsa.net.aggregator import AggregatorClient
        from morsa.net.sync import run_sync
        from morsa.net.transport import Http

        data = run_sync(AggregatorClient(Http(timeout=300), args.aggregator, args.n_shards).read_range(args.blob_id, start, length))
        note = "UNVERIFIED: an aggregator's byte range cannot be checked against the blob ID; without --aggregator it is verified"
    else:
        data = client_from_args(args).read_range(args.blob_id, start, length)
        note = "verified against the blob's metadata"
    atomic_write(target, data)
    out.write(f"{args.blob_id}  {target} (bytes {start}-{start + len(data) - 1}, {len(data)} bytes, {note})\n")
    return 0


def cmd_account_new(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.net.accounts import new_key_file

    try:
        account = new_key_file(args.file)
    except FileExistsError:
        raise CliError(f"{args.file}: already exists (a key file is never overwritten)") from None
    out.write(f"{account.address}  {args.file}\n")
    return 0


def cmd_account_show(args: argparse.Namespace, out: IO[str]) -> int:
    client = client_from_args(args)
    if client.account is None:
        raise CliError("no account: give --account KEY_FILE")
    balance = client.balance()
    if args.json:
        out.write(json.dumps({"address": client.account.address, "balance": balance}) + "\n")
    else:
        out.write(f"{client.account.address}  {balance} FROST\n")
    return 0


def cmd_devnet_fund(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.devnet import Devnet
    from morsa.net.accounts import Account, public_key_of

    address = args.address
    if public_key_of(address) is None:
        try:
            address = Account.load(address).address  # a key file
        except (OSError, ValueError):
            raise CliError(f"{args.address!r} is neither an account address (0x and 64 hex digits) nor a key file") from None
    balance = Devnet.load(args.dir).fund(address, args.amount)
    out.write(f"{address}  {balance} FROST\n")
    return 0


def register(sub: Any) -> None:
    """Add ``store``, ``read``, ``account``, ``daemon`` and ``devnet`` to the parser."""
    p = sub.add_parser("store", help="store a file on a Morsa network (the devnet by default)",
                       description="Encode, register, upload to every shard, collect confirmations, certify.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--epochs", type=int, default=1, help="epochs ahead to store for (default: 1)")
    p.add_argument("--deletable", action="store_true", help="store a deletable blob (default: permanent)")
    p.add_argument(
        "--chunk-size",
        type=size_arg,
        metavar="SIZE",
        help="store a file larger than SIZE (bytes; K, M, G suffixes) as chunks plus a manifest blob; files past the "
        "largest blob of the shard count are always chunked",
    )
    p.add_argument(
        "--attribute",
        action="append",
        type=attribute_arg,
        metavar="KEY=VALUE",
        help="an attribute of the blob (repeatable); aggregators serve content-type and a few more as headers",
    )
    p.add_argument(
        "--publisher",
        metavar="URL",
        help="store through any Walrus publisher instead (PUT /v1/blobs); the blob ID it reports must be the file's",
    )
    p.add_argument(
        "--upload-relay",
        metavar="URL",
        help="register and pay here, let this upload relay send the slivers, check its certificate, certify",
    )
    p.add_argument("--send-object-to", metavar="ADDRESS", help="with --publisher: the blob object goes to this address")
    p.add_argument("--share", action="store_true", help="with --publisher: a shared (permanent) blob anyone may fund")
    p.add_argument(
        "--encrypt",
        action="store_true",
        help="encrypt with Seal to the network's key servers first (the blob ID is the ciphertext's); give --policy",
    )
    p.add_argument(
        "--policy",
        metavar="KIND:NAME",
        help="with --encrypt: who may decrypt — owner:NAME, allowlist:NAME, timelock:NAME, subscription:NAME (yours, created "
        "when missing with the options below) or a policy ID (0x…)",
    )
    p.add_argument("--threshold", type=int, metavar="T", help="with --encrypt: key servers needed to decrypt (default: the network's)")
    add_policy_options(p)
    add_n_shards(p, help="with --publisher: shards of its network, for the blob ID check (default: 1000)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_network_args(p)
    p.set_defaults(func=cmd_store)

    p = sub.add_parser("read", help="read a blob, verified, from a Morsa network or any Walrus aggregator",
                       description="With --aggregator, download from any Walrus aggregator and accept the bytes only "
                       "if their blob ID matches; otherwise read from the storage nodes and decode.")
    p.add_argument("blob_id", metavar="BLOB_ID", nargs="?")
    p.add_argument("--out", required=True, metavar="FILE", help="output file (written atomically)")
    p.add_argument("--aggregator", metavar="URL", help="a Walrus aggregator URL")
    p.add_argument(
        "--object-id",
        metavar="ID",
        help="read the blob of this blob object through --aggregator (GET /v1/blobs/by-object-id/ID); with --chain or "
        "--devnet, checked against the object's blob ID there",
    )
    p.add_argument(
        "--raw",
        action="store_true",
        help="write the blob itself: not the file a chunked-file manifest names, not the plaintext of a private blob",
    )
    p.add_argument("--start", type=int, metavar="BYTE", help="read only LENGTH bytes from this offset (with --length): from the "
                   "storage nodes, the primary slivers holding them, each verified; with --aggregator, its byte-range route (unverified)")
    p.add_argument("--length", type=int, metavar="BYTES", help="how many bytes to read from --start")
    add_n_shards(p, help="shards of the aggregator's network (default: 1000)")
    add_network_args(p)
    p.set_defaults(func=cmd_read)

    p = sub.add_parser("account", help="accounts: Ed25519 key pairs that pay for storage",
                       description="An account is an Ed25519 key pair; its address is 0x and the hex of its public key. "
                       "Paid calls to the control plane are signed with it (docs/network.md).")
    a = p.add_subparsers(dest="account_command", metavar="COMMAND", required=True)
    new = a.add_parser("new", help="create a key file with a new account")
    new.add_argument("file", metavar="FILE", help="the key file to create (mode 0600; never overwritten)")
    new.set_defaults(func=cmd_account_new)
    show = a.add_parser("show", help="an account's address and balance")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    add_network_args(show)
    show.set_defaults(func=cmd_account_show)

    p = sub.add_parser("daemon", help="the aggregator and publisher HTTP APIs")
    d = p.add_subparsers(dest="daemon_command", metavar="COMMAND", required=True)
    run = d.add_parser("run", help="serve GET /v1/blobs/{id} and PUT /v1/blobs on loopback")
    run.add_argument("--chain", required=True, metavar="URL", help="control plane URL")
    run.add_argument("--port", type=int, default=31415)
    run.add_argument("--account-key", metavar="FILE", help="key file of the account that pays for stores (without one, stores are refused)")
    run.add_argument("--max-body-size", type=int, default=10 * 1024, metavar="KIB", help="largest PUT body in KiB (default: 10240)")
    run.add_argument(
        "--cache-dir", metavar="DIR", help="directory of the cache of verified blobs (default: in the system's temporary directory)"
    )
    run.add_argument(
        "--cache-size", type=int, default=1024, metavar="MIB", help="largest size of the blob cache in MiB (default: 1024; 0: no disk cache)"
    )
    run.set_defaults(func=cmd_daemon_run)

    p = sub.add_parser("devnet", help="a local network: control plane, storage nodes, aggregator/publisher")
    dv = p.add_subparsers(dest="devnet_command", metavar="COMMAND", required=True)
    upp = dv.add_parser("up", help="start a devnet (created on first use) and wait until it is healthy")
    upp.add_argument("--nodes", type=int, default=10, help="storage nodes (default: 10)")
    add_n_shards(upp, help="shards (default: 1000)")
    upp.add_argument("--dir", metavar="DIR", help="state directory")
    upp.add_argument(
        "--epoch-duration",
        type=duration_arg,
        metavar="DURATION",
        help="epochs change on this timer (90s, 5m, 1h; 0: only with 'morsa devnet epoch'); a new devnet's default: 5m; "
        "fixed when the devnet is created",
    )
    upp.add_argument(
        "--signatures",
        choices=["ed25519", "bls"],
        help="how storage nodes sign confirmations and invalid-blob attestations and the control plane verifies "
        "certificates: ed25519 (Morsa's default) or bls (BLS12-381 aggregates, as Walrus; the official SDK verifies "
        "the nodes' confirmations); fixed when the devnet is created",
    )
    upp.add_argument("--key-servers", type=int, metavar="N", help="Seal key servers for private blobs (default: 3; fixed at creation)")
    upp.add_argument("--seal-threshold", type=int, metavar="T", help="key servers a private blob needs (default: 2; fixed at creation)")
    upp.set_defaults(func=cmd_devnet_up)
    ep = dv.add_parser("epoch", help="end the current epoch now: distribute rewards, start the next committee")
    ep.add_argument("--dir", metavar="DIR")
    ep.add_argument("--json", action="store_true", help="print one JSON object")
    ep.set_defaults(func=cmd_devnet_epoch)
    st = dv.add_parser("status", help="health of every process (exit 1 unless all are healthy)")
    st.add_argument("--dir", metavar="DIR")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_devnet_status)
    dn = dv.add_parser("down", help="stop every process (state is kept unless --purge)")
    dn.add_argument("--dir", metavar="DIR")
    dn.add_argument("--purge", action="store_true", help="also delete the devnet's directory")
    dn.set_defaults(func=cmd_devnet_down)
    fd = dv.add_parser("fund", help="credit an account from the devnet's faucet")
    fd.add_argument("address", metavar="ADDRESS_OR_KEY_FILE")
    fd.add_argument("--amount", type=int, default=10**15, help="FROST (default and largest: 10^15)")
    fd.add_argument("--dir", metavar="DIR")
    fd.set_defaults(func=cmd_devnet_fund)
    nd = dv.add_parser("node", help="stop, kill (-9) or start one storage node")
    nd.add_argument("action", choices=("stop", "kill", "start"))
    nd.add_argument("name", metavar="NAME")
    nd.add_argument("--dir", metavar="DIR")
    nd.set_defaults(func=cmd_devnet_node)
