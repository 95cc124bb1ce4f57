"""``blob-id``, ``verify``, ``encode``, ``decode`` and ``info``: Walrus blob IDs, verification,
encoding and decoding of local files (no network).

Exit status: 0 on success; 1 when ``verify`` finds a different blob ID; 2 on any error (one
line on stderr, no traceback); 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import morsa
from morsa import _native
from morsa._fs import atomic_write

from ._common import CliError, add_n_shards, describe, error, file_size, progress_bar


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
        from .quilt import print_quilt_ids

        return print_quilt_ids(args.files, args.n_shards, args.json, out)
    status = 0
    for path in args.files:
        try:
            size = file_size(path)
            _check_size(path, size, args.n_shards)
            with progress_bar(args.progress, os.path.basename(path), size) as progress:
                metadata = morsa.compute_metadata(path, args.n_shards, progress=progress)
        except (CliError, morsa.MorsaError, OSError) as e:
            error(f"error: {describe(e, path)}")
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
    size = file_size(args.file)
    _check_size(args.file, size, args.n_shards)
    with progress_bar(args.progress, os.path.basename(args.file), size) as progress:
        actual = morsa.blob_id(args.file, args.n_shards, progress=progress)
    if actual == args.blob_id:
        out.write(f"{args.file}: OK ({actual}, {args.n_shards} shards)\n")
        return 0
    out.write(f"{args.file}: MISMATCH: blob ID is {actual}, expected {args.blob_id} ({args.n_shards} shards)\n")
    return 1


def cmd_encode(args: argparse.Namespace, out: IO[str]) -> int:
    size = file_size(args.file)
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
        with progress_bar(args.progress, f"encode {os.path.basename(args.file)}", size) as progress:
            metadata = morsa.encode_to_directory(args.file, staging, args.n_shards, progress=progress)
        (staging / _native.METADATA_FILE).write_bytes(metadata.to_bytes())
        n = metadata.n_shards
        axes: tuple[morsa.Axis, ...] = ("primary", "secondary")
        names = [_native.METADATA_FILE] + [_native.sliver_file_name(axis, i) for axis in axes for i in range(n)]
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
        f"wrote {_native.METADATA_FILE} and {2 * n} slivers "
        f"({n} shards, symbol size {metadata.symbol_size} B) to {target}\n"
    )
    return 0


def _sliver_files(directory: Path) -> tuple[list[tuple[int, Path]], list[tuple[int, Path]]]:
    """The sliver files of an encoding directory by axis, sorted by index (the names of
    :func:`morsa._native.sliver_file_name`)."""
    primary: list[tuple[int, Path]] = []
    secondary: list[tuple[int, Path]] = []
    for entry in directory.iterdir():
        parsed = _native.parse_sliver_file_name(entry.name)
        if parsed is not None:
            axis, index = parsed
            (primary if axis == "primary" else secondary).append((index, entry))
    return sorted(primary), sorted(secondary)


def cmd_decode(args: argparse.Namespace, out: IO[str]) -> int:
    directory = Path(args.dir)
    if not directory.is_dir():
        raise CliError(f"{directory}: not a directory")
    metadata_path = directory / _native.METADATA_FILE
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
        by_axis: tuple[tuple[morsa.Axis, list[tuple[int, Path]]], ...] = (("primary", primary), ("secondary", secondary))
        for axis, files in by_axis:
            for _, path in files:
                try:
                    sliver = morsa.Sliver.from_bytes(path.read_bytes(), axis)
                except (morsa.WireFormatError, OSError) as e:
                    skipped.append(f"{path.name}: {describe(e)}")
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
            error(f"warning: skipped {line}")
        raise CliError(
            f"{directory}: cannot decode blob {metadata.blob_id}: {e} "
            f"(found {len(primary)} primary and {len(secondary)} secondary sliver files; "
            f"any {config.n_primary_source_symbols} valid primary or "
            f"{config.n_secondary_source_symbols} valid secondary slivers suffice)"
        ) from None
    for line in skipped:
        error(f"warning: skipped {line}")
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
        size = file_size(args.file)
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
# Parser


def cmd_convert_blob_id(args: argparse.Namespace, out: IO[str]) -> int:
    """A blob ID in its three forms: base64url (what Walrus prints), the Move ``u256`` in
    decimal (what Sui shows) and in hex (SPEC §5.4: the bytes little-endian)."""
    value = args.value.strip()
    try:
        blob_id = value if morsa.is_blob_id(value) else morsa.blob_id_from_u256(value)
    except morsa.InvalidBlobIdError:
        raise CliError(f"{args.value!r} is neither a blob ID (43 characters of base64url) nor a u256 (decimal, or 0x and hex)") from None
    number = morsa.blob_id_to_u256(blob_id)
    if args.json:
        out.write(json.dumps({"blob_id": blob_id, "u256_decimal": str(number), "u256_hex": f"0x{number:064x}"}) + "\n")
    elif value == blob_id:
        out.write(f"{number}\n")
    else:
        out.write(f"{blob_id}\n")
    return 0


def register(sub: Any) -> None:
    """Add ``blob-id``, ``verify``, ``convert-blob-id``, ``encode``, ``decode`` and ``info`` to the parser."""

    def common(p: argparse.ArgumentParser) -> None:
        add_n_shards(p)
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
        "convert-blob-id",
        help="convert a blob ID between base64url and its u256 value (decimal or hex)",
        description=(
            "Sui shows a blob's ID as a u256 in decimal; Walrus and Morsa print it as 43 characters of "
            "base64url. The 32 bytes are the u256 little-endian (SPEC §5.4). Given a u256 (decimal, or 0x "
            "and hex), prints the blob ID, like 'walrus convert-blob-id'; given a blob ID, prints its u256 "
            "in decimal; --json prints all three forms."
        ),
    )
    p.add_argument("value", metavar="BLOB_ID_OR_U256")
    p.add_argument("--json", action="store_true", help="one JSON object: blob_id, u256_decimal, u256_hex")
    p.set_defaults(func=cmd_convert_blob_id)

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
