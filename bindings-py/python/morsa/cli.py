"""The ``morsa`` command: Walrus blob IDs, verification, encoding and decoding of local files.

Exit status: 0 on success; 1 when ``verify`` finds a different blob ID; 2 on any error (one
line on stderr, no traceback); 130 when interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import morsa

from ._fs import atomic_write

PROG = "morsa"
METADATA_FILE = "metadata.bcs"
_SLIVER_FILE = re.compile(r"^(primary|secondary)-(\d+)\.bcs$")

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


class CliError(Exception):
    """An error reported as one line on stderr with exit status 2."""


# Modules that add commands (storage node, control plane, network clients, devnet).
SUBSYSTEM_CLIS = ("morsa.node.cli", "morsa.chain.cli", "morsa.network_cli", "morsa.rewards_cli", "morsa.quilt_cli")


# ------------------------------------------------------------------------------------------
# Progress


@contextlib.contextmanager
def _progress(enabled: bool, description: str, size: int) -> Iterator[morsa.ProgressCallback | None]:
    """A tqdm bar on stderr, in bytes of the blob, when ``enabled`` and stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=size, desc=description, unit="B", unit_scale=True, unit_divisor=1024, leave=False) as bar:

        def update(done: int, total: int) -> None:
            # update() respects tqdm's refresh interval; refresh() would redraw every step.
            bar.update(size * done // max(total, 1) - bar.n)

        yield update


def _n_shards_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < morsa.MIN_SHARDS or value > morsa.MAX_SHARDS:
        raise argparse.ArgumentTypeError(
            f"{value} is out of range: RedStuff needs {morsa.MIN_SHARDS} to {morsa.MAX_SHARDS} shards"
        )
    return value


def _file_size(path: str) -> int:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except OSError as e:
        raise CliError(f"{path}: {e.strerror or e}") from None
    if not os.path.isfile(path):
        raise CliError(f"{path}: not a regular file")
    return st.st_size


def _check_size(path: str, size: int, n_shards: int) -> None:
    limit = morsa.EncodingConfig(n_shards).max_blob_size
    if size > limit:
        raise CliError(
            f"{path}: {size} bytes is too large for {n_shards} shards: a blob can hold at most "
            f"{limit} bytes (p * s * 65534); use more shards (--n-shards)"
        )


# ------------------------------------------------------------------------------------------
# Commands


def cmd_blob_id(args: argparse.Namespace, out: IO[str]) -> int:
    if args.quilt:
        from .quilt_cli import print_quilt_ids

        return print_quilt_ids(args.files, args.n_shards, args.json, out)
    status = 0
    for path in args.files:
        try:
            size = _file_size(path)
            _check_size(path, size, args.n_shards)
            with _progress(args.progress, os.path.basename(path), size) as progress:
                metadata = morsa.compute_metadata(path, args.n_shards, progress=progress)
        except (CliError, morsa.MorsaError, OSError) as e:
            _error(f"error: {_describe(e, path)}")
            status = 2
            continue
        if args.json:
            record = {
                "path": path,
                "blob_id": metadata.blob_id,
                "size": metadata.unencoded_length,
                "n_shards": metadata.n_shards,
                "symbol_size": metadata.symbol_size,
                "encoded_length": metadata.config.encoded_blob_length(metadata.unencoded_length),
                "encoding_type": metadata.encoding_type,
            }
            out.write(json.dumps(record) + "\n")
        else:
            out.write(f"{metadata.blob_id}  {path}\n")
        out.flush()
    return status


def cmd_verify(args: argparse.Namespace, out: IO[str]) -> int:
    if not morsa.is_blob_id(args.blob_id):
        raise CliError(f"{args.blob_id!r} is not a blob ID (43 characters of base64url without padding)")
    size = _file_size(args.file)
    _check_size(args.file, size, args.n_shards)
    with _progress(args.progress, os.path.basename(args.file), size) as progress:
        actual = morsa.blob_id(args.file, args.n_shards, progress=progress)
    if actual == args.blob_id:
        out.write(f"{args.file}: OK ({actual}, {args.n_shards} shards)\n")
        return 0
    out.write(f"{args.file}: MISMATCH: blob ID is {actual}, expected {args.blob_id} ({args.n_shards} shards)\n")
    return 1


def cmd_encode(args: argparse.Namespace, out: IO[str]) -> int:
    size = _file_size(args.file)
    _check_size(args.file, size, args.n_shards)
    target = Path(args.out)
    if target.exists() and not target.is_dir():
        raise CliError(f"{target}: exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not args.force:
        raise CliError(f"{target}: directory is not empty (use --force to write into it)")

    # Stream the slivers into a fresh sibling directory, then move them into place: memory does
    # not depend on the file size, and a failure leaves no half-written output behind.
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        with _progress(args.progress, f"encode {os.path.basename(args.file)}", size) as progress:
            metadata = morsa.encode_to_directory(args.file, staging, args.n_shards, progress=progress)
        (staging / METADATA_FILE).write_bytes(metadata.to_bytes())
        n = metadata.n_shards
        names = [METADATA_FILE] + [f"{axis}-{index}.bcs" for axis in ("primary", "secondary") for index in range(n)]
        if target.is_dir():
            for name in names:
                os.replace(staging / name, target / name)
            staging.rmdir()
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    out.write(
        f"{metadata.blob_id}  {args.file}\n"
        f"wrote {METADATA_FILE} and {2 * n} slivers "
        f"({n} shards, symbol size {metadata.symbol_size} B) to {target}\n"
    )
    return 0


def _bar(enabled: bool, description: str, total: int) -> Callable[[int | None], None]:
    """A counting progress bar; call with a step count, or ``None`` to close it."""
    if not enabled or not sys.stderr.isatty():
        return lambda _step: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=description, leave=False)

    def step(n: int | None) -> None:
        if n is None:
            bar.close()
        else:
            bar.update(n)

    return step


def _sliver_files(directory: Path) -> tuple[list[tuple[int, Path]], list[tuple[int, Path]]]:
    primary: list[tuple[int, Path]] = []
    secondary: list[tuple[int, Path]] = []
    for entry in directory.iterdir():
        m = _SLIVER_FILE.match(entry.name)
        if m:
            (primary if m.group(1) == "primary" else secondary).append((int(m.group(2)), entry))
    return sorted(primary), sorted(secondary)


def cmd_decode(args: argparse.Namespace, out: IO[str]) -> int:
    directory = Path(args.dir)
    if not directory.is_dir():
        raise CliError(f"{directory}: not a directory")
    metadata_path = directory / METADATA_FILE
    try:
        metadata_bytes = metadata_path.read_bytes()
    except FileNotFoundError:
        raise CliError(f"{metadata_path}: missing (the directory must hold what 'morsa encode' wrote)") from None
    try:
        metadata = morsa.BlobMetadata.from_bytes(metadata_bytes)
    except morsa.MorsaError as e:
        raise CliError(f"{metadata_path}: {e}") from None

    primary, secondary = _sliver_files(directory)
    skipped: list[str] = []
    # The file of each sliver handed to decode(), which verifies slivers in batches and reports
    # the invalid ones after each batch.
    files_of: dict[int, tuple[morsa.Sliver, str]] = {}

    def slivers() -> Iterator[morsa.Sliver]:
        for axis, files in (("primary", primary), ("secondary", secondary)):
            for _, path in files:
                try:
                    sliver = morsa.Sliver.from_bytes(path.read_bytes(), axis)
                except (morsa.WireFormatError, OSError) as e:
                    skipped.append(f"{path.name}: {_describe(e)}")
                    continue
                files_of[id(sliver)] = (sliver, path.name)
                yield sliver

    def invalid(sliver: morsa.Sliver, reason: str) -> None:
        skipped.append(f"{files_of[id(sliver)][1]}: {reason}")

    config = metadata.config
    try:
        data = morsa.decode(metadata, slivers(), args.consistency_check, on_invalid=invalid)
    except morsa.DecodingError as e:
        for line in skipped:
            _error(f"warning: skipped {line}")
        raise CliError(
            f"{directory}: cannot decode blob {metadata.blob_id}: {e} "
            f"(found {len(primary)} primary and {len(secondary)} secondary sliver files; "
            f"any {config.n_primary_source_symbols} valid primary or "
            f"{config.n_secondary_source_symbols} valid secondary slivers suffice)"
        ) from None
    for line in skipped:
        _error(f"warning: skipped {line}")
    target = Path(args.out)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)
    out.write(f"{metadata.blob_id}  {target} ({len(data)} bytes, verified)\n")
    return 0


def cmd_info(args: argparse.Namespace, out: IO[str]) -> int:
    config = morsa.EncodingConfig(args.n_shards)
    record: dict[str, Any] = {
        "n_shards": config.n_shards,
        "max_faulty": config.max_faulty,
        "primary_source_symbols": config.n_primary_source_symbols,
        "secondary_source_symbols": config.n_secondary_source_symbols,
        "max_blob_size": config.max_blob_size,
    }
    if args.file is not None:
        size = _file_size(args.file)
        _check_size(args.file, size, args.n_shards)
        record.update(
            path=args.file,
            size=size,
            symbol_size=config.symbol_size(size),
            primary_sliver_size=config.sliver_size("primary", size),
            secondary_sliver_size=config.sliver_size("secondary", size),
            encoded_length=config.encoded_blob_length(size),
        )
    if args.json:
        out.write(json.dumps(record) + "\n")
    else:
        width = max(len(k) for k in record)
        for key, value in record.items():
            out.write(f"{key.replace('_', ' '):<{width}}  {value}\n")
    return 0


# ------------------------------------------------------------------------------------------
# Parser and entry point


# The commands defined in this module; the others come from SUBSYSTEM_CLIS.
CORE_COMMANDS = ("blob-id", "verify", "encode", "decode", "info")


def build_parser(subsystems: bool = True) -> argparse.ArgumentParser:
    """The ``morsa`` parser; without ``subsystems`` only :data:`CORE_COMMANDS` (a faster start
    for them: the subsystems import their own dependencies)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {morsa.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--n-shards",
            type=_n_shards_arg,
            default=morsa.MAINNET_N_SHARDS,
            metavar="N",
            help="shards of the network (default: %(default)s, Walrus mainnet and testnet)",
        )
        p.add_argument(
            "--no-progress",
            dest="progress",
            action="store_false",
            help="no progress bar (bars are shown only when stderr is a terminal)",
        )

    p = sub.add_parser(
        "blob-id",
        help="print the Walrus blob ID of files",
        description="Print '<blob_id>  <path>' for each file, like sha256sum, or JSON lines with --json.",
    )
    common(p)
    p.add_argument("--json", action="store_true", help="one JSON object per file: path, blob_id, size, n_shards, ...")
    p.add_argument("--quilt", action="store_true", help="the quilt of all FILEs (directories too) and every patch ID (SPEC §13)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_blob_id)

    p = sub.add_parser(
        "verify",
        help="check that a file has a given blob ID",
        description="Exit 0 when FILE has BLOB_ID, 1 when it does not, 2 on an error.",
    )
    common(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument("blob_id", metavar="BLOB_ID")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "encode",
        help="encode a file into metadata and slivers",
        description=(
            "Write DIR/metadata.bcs (BCS BlobMetadataWithId) and DIR/primary-<i>.bcs, "
            "DIR/secondary-<j>.bcs (BCS SliverData; i, j are sliver indices). Memory: about 4.5 "
            "times the file size."
        ),
    )
    common(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created; must be empty)")
    p.add_argument("--force", action="store_true", help="write into a non-empty directory")
    p.set_defaults(func=cmd_encode)

    p = sub.add_parser(
        "decode",
        help="rebuild a file from its slivers",
        description=(
            "Rebuild the blob from whatever slivers DIR holds (any p primary or s secondary "
            "suffice), verifying every sliver and the result against the blob ID in "
            "DIR/metadata.bcs. FILE is written atomically: nothing is left behind on failure."
        ),
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument(
        "--consistency-check",
        choices=("strict", "default", "skip"),
        default="strict",
        help="strict: recompute the blob ID of the result (default); default: re-hash the "
        "systematic slivers, as Walrus aggregators do; skip: only verify the input slivers",
    )
    p.add_argument("--no-progress", dest="progress", action="store_false", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser(
        "info",
        help="show the encoding geometry for a shard count (and a file)",
        description="Show f, p, s and the size limit for N shards; with FILE, its symbol and sliver sizes.",
    )
    common(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("file", nargs="?", metavar="FILE")
    p.set_defaults(func=cmd_info)

    # Subsystems register their own commands: each module has register(subparsers), and its
    # handlers take (args, out) and return the exit status.
    import importlib

    for name in SUBSYSTEM_CLIS if subsystems else ():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            # Only a subsystem that is not there is skipped; its own missing imports are errors.
            if e.name is None or not (name == e.name or name.startswith(e.name + ".")):
                raise
            continue
        module.register(sub)
    return parser


def _error(message: str) -> None:
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.stderr.flush()


def _describe(e: BaseException, path: str | None = None) -> str:
    if isinstance(e, OSError) and e.strerror:
        where = e.filename or path
        return f"{where}: {e.strerror}" if where else e.strerror
    text = str(e) or type(e).__name__
    return f"{path}: {text}" if path and not text.startswith(path) else text


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(subsystems=not arguments or arguments[0] not in CORE_COMMANDS)
    args = parser.parse_args(arguments)
    try:
        return int(args.func(args, out or sys.stdout))
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except (CliError, morsa.MorsaError, OSError) as e:
        _error(f"error: {_describe(e)}")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
