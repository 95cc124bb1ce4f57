"""The ``morsa`` command: one module per command group, sharing :mod:`morsa.cli._common`.

* :mod:`~morsa.cli.blobs`: ``blob-id``, ``verify``, ``encode``, ``decode``, ``info``;
* :mod:`~morsa.cli.quilt`: ``quilt``, ``store-quilt``, ``read-quilt``, ``dataset``;
* :mod:`~morsa.cli.network`: ``store``, ``read``, ``account``, ``daemon``, ``devnet``;
* :mod:`~morsa.cli.lifecycle`: ``blob-status``, ``list-blobs``, ``extend``, ``delete``, ``share``,
  ``fund-shared-blob``, ``set-blob-attribute``, ``remove-blob-attribute``;
* :mod:`~morsa.cli.staking`: ``stake``, ``withdraw``, ``stakes``, ``nodes``, ``economy``;
* :mod:`~morsa.cli.node`, :mod:`~morsa.cli.chain`: the storage node and the control plane;
* :mod:`~morsa.cli.rewards`: ``rewards simulate``;
* :mod:`~morsa.cli.certificates`: ``certificate verify``, ``certificate committee`` (Walrus's BLS
  certificates, offline).

Each group has ``register(subparsers)``; handlers take ``(args, out)`` and return the exit
status; heavy dependencies are imported inside the handlers, so every command starts fast.
Library code never imports this package.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import IO, Any

import morsa

from . import blobs, certificates, chain, lifecycle, network, node, private, quilt, rewards, staking
from ._common import PROG, CliError, describe, error

__all__ = ["CliError", "build_parser", "main"]

DESCRIPTION = """\
Walrus-compatible blob IDs, RedStuff (RS2) encoding and verification of local files.

A blob ID computed here is the one Walrus records for the same file on a network of
N shards (1000 on Walrus mainnet and testnet, the default)."""

EPILOG = """\
examples:
  morsa blob-id data.csv                     # like sha256sum, with Walrus blob IDs
  morsa blob-id --json *.parquet             # one JSON object per file
  morsa blob-id --quilt data/                # quilt ID and patch IDs of a directory
  morsa verify data.csv M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk
  morsa encode data.csv --out slivers/       # metadata.bcs, primary-<i>.bcs, secondary-<j>.bcs
  morsa decode slivers/ --out copy.csv       # from any p primary or s secondary slivers
  morsa info --n-shards 10 data.csv          # encoding geometry and limits

exit status: 0 success, 1 blob ID mismatch (verify), 2 error."""

GROUPS = (blobs, quilt, network, private, lifecycle, staking, node, chain, rewards, certificates)


class _Parser(argparse.ArgumentParser):
    """An argument parser that takes a blob ID or quilt patch ID starting with ``-`` (base64url
    allows it: one ID in 64) as a value, not as an unknown option; subcommands inherit it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # argparse reads what this matches as a positional (it is meant for negative numbers).
        self._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-[A-Za-z0-9_-]{42}$|^-[A-Za-z0-9_-]{49}$")


def build_parser() -> argparse.ArgumentParser:
    """The ``morsa`` parser with every command group."""
    parser = _Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {morsa.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(arguments)
    try:
        return int(args.func(args, out or sys.stdout))
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except (CliError, morsa.MorsaError, OSError) as e:
        error(f"error: {describe(e)}")
        return 2
