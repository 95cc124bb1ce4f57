"""Datasets on Walrus: quilt entries from files, and dataset manifests (SPEC §13).

``publish`` stores a directory: files up to ``small_bytes`` go into quilts (at most ``s - 1``
files and about ``quilt_bytes`` each), larger files as blobs. The manifest (JSON) lists, for
every file, its path, size, SHA-256, standalone blob ID and, for quilt members, its quilt ID and
quilt patch ID. ``verify`` checks a local copy against a manifest offline (sizes, blob IDs, and
the quilt IDs rebuilt from the files); ``pull`` fetches every file, verified, into a directory.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import morsa

from ._fs import atomic_write

MANIFEST_VERSION = 1
DEFAULT_SMALL_BYTES = 1 << 20
DEFAULT_QUILT_BYTES = 64 << 20

Entry = tuple[str, dict[str, str], bytes]


def _files_of(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("."))


def entries_from_paths(paths: Sequence[str | os.PathLike[str]], tags: dict[str, dict[str, str]] | None = None) -> list[Entry]:
    """Quilt entries of files: a directory contributes every file under it, named by its
    relative POSIX path; a file is named by its base name. ``tags`` maps identifiers to tags
    (the key ``"*"`` applies to every file)."""
    tags = tags or {}
    entries: list[Entry] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            named = [(f.relative_to(path).as_posix(), f) for f in _files_of(path)]
        elif path.is_file():
            named = [(path.name, path)]
        else:
            raise FileNotFoundError(2, "No such file or directory", str(path))
        for identifier, f in named:
            t = {**tags.get("*", {}), **tags.get(identifier, {})}
            entries.append((identifier, {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in t.items()}, f.read_bytes()))
    return entries


def safe_target(root: Path, identifier: str) -> Path:
    """Where a file named ``identifier`` goes under ``root``; rejects absolute paths and ``..``."""
    parts = PurePosixPath(identifier).parts
    if not parts or PurePosixPath(identifier).is_absolute() or any(p in ("..", ".") for p in parts):
        raise morsa.QuiltError(f"refusing to write {identifier!r} outside {root}")
    return root.joinpath(*parts)


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically, creating its directory."""
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)


@dataclass
class DatasetProblem:
    """A file of a local copy that does not match its manifest."""

    path: str
    reason: str


def _group(files: list[tuple[str, bytes]], max_files: int, max_bytes: int) -> list[list[tuple[str, bytes]]]:
    groups: list[list[tuple[str, bytes]]] = []
    current: list[tuple[str, bytes]] = []
    size = 0
    for name, data in files:
        if current and (len(current) >= max_files or size + len(data) > max_bytes):
            groups.append(current)
            current, size = [], 0
        current.append((name, data))
        size += len(data)
    if current:
        groups.append(current)
    return groups


def publish(
    client: Any,
    directory: str | os.PathLike[str],
    *,
    epochs: int = 1,
    small_bytes: int = DEFAULT_SMALL_BYTES,
    quilt_bytes: int = DEFAULT_QUILT_BYTES,
) -> dict[str, Any]:
    """Store a directory with ``client`` (a :class:`morsa.client.Client`); returns the manifest."""
    root = Path(directory)
    if not root.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(root))
    n_shards = client.committee().n_shards
    max_files = morsa.EncodingConfig(n_shards).n_secondary_source_symbols - 1
    files = [(f.relative_to(root).as_posix(), f.read_bytes()) for f in _files_of(root)]
    records: dict[str, dict[str, Any]] = {}
    for name, data in files:
        records[name] = {
            "path": name,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "blob_id": morsa.blob_id(data, n_shards),
        }
    quilts = []
    small = [(n, d) for n, d in files if len(d) <= small_bytes]
    for _name, data in files:
        if len(data) > small_bytes:
            client.store(data, epochs=epochs)
    for group in _group(small, max_files, quilt_bytes):
        stored = client.store_quilt([(n, {}, d) for n, d in group], epochs=epochs)
        quilts.append({"quilt_id": stored.quilt_id, "files": [n for n, _ in group]})
        for name, _ in group:
            records[name]["quilt_id"] = stored.quilt_id
            records[name]["patch_id"] = stored.patch_ids[name]
    return {"version": MANIFEST_VERSION, "n_shards": n_shards, "files": [records[n] for n, _ in files], "quilts": quilts}


def load_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A dataset manifest file, its shape checked. Raises ``OSError`` when it cannot be read and
    :class:`morsa.MorsaError` when it is not a manifest of this version."""
    try:
        manifest = json.loads(Path(path).read_text())
    except ValueError as e:
        raise morsa.MorsaError(f"{path}: not a dataset manifest (not JSON: {e})") from None
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        raise morsa.MorsaError(f"{path}: not a dataset manifest (version {MANIFEST_VERSION})")
    problem = _manifest_problem(manifest)
    if problem:
        raise morsa.MorsaError(f"{path}: not a dataset manifest ({problem})")
    return dict(manifest)


def _manifest_problem(manifest: dict[str, Any]) -> str | None:
    """What is missing from a manifest's shape (the fields :func:`check` and :func:`pull` read), or None."""
    if not isinstance(manifest.get("n_shards"), int):
        return "no n_shards"
    files, quilts = manifest.get("files"), manifest.get("quilts", [])
    if not isinstance(files, list) or not isinstance(quilts, list):
        return "files and quilts must be lists"
    fields = {"path": str, "size": int, "sha256": str, "blob_id": str}
    for record in files:
        if not isinstance(record, dict) or not all(isinstance(record.get(k), t) for k, t in fields.items()):
            return "a file without path, size, sha256 and blob_id"
    paths = {record["path"] for record in files}
    for quilt in quilts:
        if not isinstance(quilt, dict) or not isinstance(quilt.get("quilt_id"), str) or not isinstance(quilt.get("files"), list):
            return "a quilt without quilt_id and files"
        if not all(isinstance(name, str) and name in paths for name in quilt["files"]):
            return "a quilt naming a file the manifest does not list"
    return None


@dataclass
class FileCheck:
    """The outcome of checking one file of a local copy: what the manifest expects, whether it
    matches, and why not."""

    path: str
    size: int
    sha256: str
    blob_id: str
    ok: bool
    reason: str = ""


def check(manifest: dict[str, Any], directory: str | os.PathLike[str]) -> list[FileCheck]:
    """Check a local copy offline, file by file: size, SHA-256 and blob ID (SPEC §5), and each
    quilt ID rebuilt from its files (SPEC §13; its members fail together)."""
    root = Path(directory)
    n_shards = int(manifest["n_shards"])
    results: list[FileCheck] = []
    contents: dict[str, bytes] = {}
    for record in manifest["files"]:
        result = FileCheck(record["path"], int(record["size"]), record["sha256"], record["blob_id"], ok=False)
        results.append(result)
        try:
            data = safe_target(root, record["path"]).read_bytes()
        except (OSError, morsa.QuiltError) as e:
            result.reason = getattr(e, "strerror", None) or str(e)
            continue
        contents[record["path"]] = data
        if len(data) != record["size"]:
            result.reason = f"{len(data)} bytes, expected {record['size']}"
        elif hashlib.sha256(data).hexdigest() != record["sha256"]:
            result.reason = "SHA-256 differs"
        elif morsa.blob_id(data, n_shards) != record["blob_id"]:
            result.reason = "blob ID differs"
        else:
            result.ok = True
    by_path = {r.path: r for r in results}
    for quilt in manifest.get("quilts", []):
        if all(n in contents for n in quilt["files"]):
            rebuilt = morsa.build_quilt([(n, {}, contents[n]) for n in quilt["files"]], n_shards)
            if rebuilt.blob_id != quilt["quilt_id"]:
                for name in quilt["files"]:
                    by_path[name].ok = False
                    by_path[name].reason = by_path[name].reason or f"quilt {quilt['quilt_id']} does not rebuild"
    return results


def verify(manifest: dict[str, Any], directory: str | os.PathLike[str]) -> list[DatasetProblem]:
    """The problems :func:`check` finds (empty when the copy matches)."""
    return [DatasetProblem(r.path, r.reason) for r in check(manifest, directory) if not r.ok]


def load_description(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A dataset manifest, from a manifest file or from a Croissant description
    (:mod:`morsa.croissant`). Raises :class:`morsa.MorsaError` for anything else."""
    from . import croissant

    try:
        document = json.loads(Path(path).read_text())
    except ValueError as e:
        raise morsa.MorsaError(f"{path}: not JSON: {e}") from None
    if isinstance(document, dict) and croissant.is_croissant(document):
        return croissant.files_of(document)
    return load_manifest(path)


def pull(client: Any, manifest: dict[str, Any], directory: str | os.PathLike[str]) -> int:
    """Fetch every file of a manifest into ``directory``, verified: quilt members by patch
    (verified slivers), others as blobs; each file's blob ID and SHA-256 are checked too.
    Returns the number of files written."""
    root = Path(directory)
    n_shards = int(manifest["n_shards"])
    for record in manifest["files"]:
        if "patch_id" in record:
            patch = client.read_patch(record["patch_id"])
            if patch.identifier != record["path"]:
                raise morsa.VerificationError(f"{record['patch_id']} holds {patch.identifier!r}, not {record['path']!r}")
            data = patch.data
        else:
            data = client.read(record["blob_id"])
        if morsa.blob_id(data, n_shards) != record["blob_id"] or hashlib.sha256(data).hexdigest() != record["sha256"]:
            raise morsa.VerificationError(f"{record['path']}: the bytes read do not match the manifest")
        write_atomically(safe_target(root, record["path"]), data)
    return len(manifest["files"])
