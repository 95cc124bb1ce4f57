"""``morsa keyserver`` and ``morsa policy``: Seal key servers and the access policies of private
blobs (docs/private-blobs.md). ``morsa store --encrypt`` and ``morsa read`` use them."""

from __future__ import annotations

import argparse
import json
import time
from typing import IO, Any

from ._common import CliError, add_network_args, client_from_args


def cmd_keyserver_run(args: argparse.Namespace, out: IO[str]) -> int:
    """Serve a key server until SIGTERM/SIGINT."""
    from morsa.keyserver import KeyServerConfig, KeyServerConfigError, run
    from morsa.net.server import PortInUseError, configure_logging

    try:
        config = KeyServerConfig.load(args.config)
    except KeyServerConfigError as e:
        raise CliError(str(e)) from None
    configure_logging()
    try:
        return run(config)
    except PortInUseError as e:
        raise CliError(str(e)) from None


def describe_policy(policy: dict[str, Any]) -> str:
    """One line for a policy: kind, name, ID and what it lets through."""
    kind = policy["kind"]
    if kind == "owner":
        rule = f"only {policy['owner']}"
    elif kind == "allowlist":
        rule = f"the owner and {len(policy['members'])} member(s)"
    elif kind == "timelock":
        rule = f"anyone from epoch {policy['unlock_epoch']}" if policy["unlock_epoch"] is not None else (
            "anyone from " + time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(policy["unlock_ms"] / 1000))
        )
    else:
        rule = f"subscribers paying {policy['price']} FROST for {policy['duration_epochs']} epoch(s) ({len(policy['subscribers'])} so far)"
    return f"{kind}:{policy['name']}  {policy['policy_id']}  ({rule})"


def _unlock(args: argparse.Namespace) -> dict[str, Any]:
    """The creation parameters the options give."""
    params: dict[str, Any] = {}
    if getattr(args, "members", None):
        params["members"] = args.members
    if getattr(args, "unlock_epoch", None) is not None:
        params["unlock_epoch"] = args.unlock_epoch
    if getattr(args, "unlock_in", None) is not None:
        params["unlock_ms"] = time.time_ns() // 1_000_000 + args.unlock_in * 1000
    if getattr(args, "price", None) is not None:
        params["price"] = args.price
    if getattr(args, "duration_epochs", None) is not None:
        params["duration_epochs"] = args.duration_epochs
    return params


def _print(policy: dict[str, Any], args: argparse.Namespace, out: IO[str]) -> None:
    if args.json:
        out.write(json.dumps(policy) + "\n")
    else:
        out.write(describe_policy(policy) + "\n")
        for member in policy.get("members", []):
            out.write(f"  member {member}\n")
        for subscriber, end in policy.get("subscribers", {}).items():
            out.write(f"  subscriber {subscriber} until epoch {end}\n")


def cmd_policy_create(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.private import parse_policy_spec

    parsed = parse_policy_spec(args.policy)
    if isinstance(parsed, bytes):
        raise CliError("create a policy by KIND:NAME")
    kind, name = parsed
    policy = client_from_args(args).private.create_policy(kind, name, **_unlock(args))
    _print(policy, args, out)
    return 0


def cmd_policy_show(args: argparse.Namespace, out: IO[str]) -> int:
    _print(client_from_args(args).private.policy(args.policy), args, out)
    return 0


def cmd_policy_list(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.net.sync import run_sync

    client = client_from_args(args)
    owner = args.owner or (client.account.address if client.account else None)
    policies = run_sync(client.private._control().policies(owner))
    if args.json:
        out.write(json.dumps(policies) + "\n")
    for policy in [] if args.json else policies:
        out.write(describe_policy(policy) + "\n")
    return 0


def cmd_policy_members(args: argparse.Namespace, out: IO[str]) -> int:
    client = client_from_args(args)
    add, remove = (args.members, []) if args.policy_command == "add" else ([], args.members)
    _print(client.private.edit_members(args.policy, add=add, remove=remove), args, out)
    return 0


def cmd_policy_subscribe(args: argparse.Namespace, out: IO[str]) -> int:
    result = client_from_args(args).private.subscribe(args.policy)
    if args.json:
        out.write(json.dumps(result) + "\n")
    else:
        paid = f"paid {result['paid']} FROST; balance {result['balance']}"
        out.write(f"subscribed to {result['policy_id']} until epoch {result['end_epoch']} ({paid})\n")
    return 0


def add_policy_options(p: argparse.ArgumentParser) -> None:
    """The parameters of a policy created on first use (``policy create``, ``store --encrypt``)."""
    p.add_argument("--member", dest="members", action="append", metavar="ADDRESS", help="allowlist: a member (repeatable)")
    p.add_argument("--unlock-epoch", type=int, metavar="EPOCH", help="timelock: readable from this epoch")
    p.add_argument("--unlock-in", type=int, metavar="SECONDS", help="timelock: readable this many seconds from now")
    p.add_argument("--price", type=int, metavar="FROST", help="subscription: what a subscriber pays the owner")
    p.add_argument("--duration-epochs", type=int, metavar="EPOCHS", help="subscription: how long a subscription lasts")


def register(sub: Any) -> None:
    """Add ``keyserver run`` and ``policy …`` to the parser."""
    p = sub.add_parser(
        "keyserver",
        help="a Seal-compatible key server (private blobs)",
        description="Releases identities' user secret keys, encrypted to the reader, to accounts the identity's policy approves.",
    )
    ks = p.add_subparsers(dest="keyserver_command", metavar="COMMAND", required=True)
    run = ks.add_parser("run", help="serve a key server on loopback", description="Serve the key server API (docs/private-blobs.md).")
    run.add_argument("--config", required=True, metavar="FILE", help="key server config (JSON: name, seed, chain_url, host, port)")
    run.set_defaults(func=cmd_keyserver_run)

    p = sub.add_parser(
        "policy",
        help="access policies of private blobs: owner, allowlist, timelock, subscription",
        description="Policies decide which accounts key servers release a private blob's key to. A policy is named KIND:NAME "
        "(per owner) or by its ID (0x…). Kinds: owner (only you), allowlist (you and the members you add), timelock "
        "(anyone after an epoch or time), subscription (accounts that paid you, for N epochs).",
    )
    pol = p.add_subparsers(dest="policy_command", metavar="COMMAND", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        add_network_args(q)
        q.add_argument("--json", action="store_true", help="print one JSON object")

    c = pol.add_parser("create", help="create a policy you own (no-op when it exists)")
    c.add_argument("policy", metavar="KIND:NAME")
    add_policy_options(c)
    common(c)
    c.set_defaults(func=cmd_policy_create)
    s = pol.add_parser("show", help="a policy: kind, owner, members, subscribers")
    s.add_argument("policy", metavar="KIND:NAME_OR_ID")
    common(s)
    s.set_defaults(func=cmd_policy_show)
    ls = pol.add_parser("list", help="policies of an account (default: yours)")
    ls.add_argument("--owner", metavar="ADDRESS")
    common(ls)
    ls.set_defaults(func=cmd_policy_list)
    for name, text in (("add", "add members to your allowlist"), ("remove", "remove members from your allowlist")):
        m = pol.add_parser(name, help=text)
        m.add_argument("policy", metavar="allowlist:NAME_OR_ID")
        m.add_argument("members", nargs="+", metavar="ADDRESS")
        common(m)
        m.set_defaults(func=cmd_policy_members)
    sb = pol.add_parser("subscribe", help="pay a subscription policy's price to its owner")
    sb.add_argument("policy", metavar="POLICY_ID")
    common(sb)
    sb.set_defaults(func=cmd_policy_subscribe)
