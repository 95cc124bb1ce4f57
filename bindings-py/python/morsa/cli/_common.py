"""What every command group of the ``morsa`` command shares: the one-line error and its exit
status, argument types, the progress bar, and the client the network options name."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import morsa

if TYPE_CHECKING:
    from morsa.client import Client

PROG = "morsa"


class CliError(Exception):
    """An error reported as one line on stderr with exit status 2."""


def error(message: str) -> None:
    """Write ``morsa: message`` as one line on stderr."""
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.stderr.flush()


def describe(e: BaseException, path: str | None = None) -> str:
    """One line for an exception: an OS error's file and reason, else its message."""
    if isinstance(e, OSError) and e.strerror:
        where = e.filename or path
        return f"{where}: {e.strerror}" if where else e.strerror
    text = str(e) or type(e).__name__
    return f"{path}: {text}" if path and not text.startswith(path) else text


# ------------------------------------------------------------------------------------------
# Argument types


def n_shards_arg(text: str) -> int:
    """A shard count in ``MIN_SHARDS..=MAX_SHARDS`` (SPEC §1), for ``--n-shards``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < morsa.MIN_SHARDS or value > morsa.MAX_SHARDS:
        raise argparse.ArgumentTypeError(
            f"{value} is out of range: RedStuff needs {morsa.MIN_SHARDS} to {morsa.MAX_SHARDS} shards"
        )
    return value


def size_arg(text: str) -> int:
    """A positive size in bytes, with an optional K, M or G suffix (powers of 1024)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    number, unit = (text[:-1], units[text[-1].upper()]) if text and text[-1].upper() in units else (text, 1)
    try:
        value = int(number) * unit
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (bytes, or with a K, M or G suffix)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def add_n_shards(p: argparse.ArgumentParser, help: str | None = None) -> None:
    """``--n-shards N`` with the range check (default: 1000, Walrus mainnet and testnet)."""
    p.add_argument(
        "--n-shards",
        type=n_shards_arg,
        default=morsa.MAINNET_N_SHARDS,
        metavar="N",
        help=help or "shards of the network (default: %(default)s, Walrus mainnet and testnet)",
    )


def file_size(path: str) -> int:
    """The size of the regular file at ``path``; :class:`CliError` otherwise."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except OSError as e:
        raise CliError(f"{path}: {e.strerror or e}") from None
    if not os.path.isfile(path):
        raise CliError(f"{path}: not a regular file")
    return st.st_size


# ------------------------------------------------------------------------------------------
# Progress


@contextlib.contextmanager
def progress_bar(enabled: bool, description: str, size: int | None = None) -> Iterator[morsa.ProgressCallback | None]:
    """A tqdm bar on stderr in bytes, when ``enabled`` and stderr is a terminal; yields the
    ``(done, total)`` callback to pass on (``None`` without a bar). ``size``: the bytes the
    bar shows in all, scaled from the callback's steps; without it, the callback's own total
    (bytes) is used."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=size, desc=description, unit="B", unit_scale=True, unit_divisor=1024, leave=False) as bar:

        def update(done: int, total: int) -> None:
            # update() respects tqdm's refresh interval; refresh() would redraw every step.
            if size is None:
                bar.total = total
                bar.update(done - bar.n)
            else:
                bar.update(size * done // max(total, 1) - bar.n)

        yield update


# ------------------------------------------------------------------------------------------
# The network


def add_network_args(p: argparse.ArgumentParser) -> None:
    """The options that choose the network: --chain, --devnet, --account, --no-progress."""
    p.add_argument("--chain", metavar="URL", help="control plane URL (default: the running devnet's)")
    p.add_argument(
        "--devnet", metavar="DIR", help="devnet directory (default: $MORSA_DEVNET_DIR or ~/.local/state/morsa/devnet)"
    )
    p.add_argument("--account", metavar="KEY_FILE", help="key file of the paying account (default: the devnet's)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def client_from_args(args: argparse.Namespace) -> Client:
    """The client of the network the options of :func:`add_network_args` name."""
    from morsa.client import Client
    from morsa.devnet import Devnet

    if args.chain:
        return Client(args.chain, account=args.account)
    devnet = Devnet.load(args.devnet)
    return Client(devnet.chain_url, account=args.account or devnet.account_key)
