"""Files written atomically: nothing half-written is ever left at the target path."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike[str]) -> Iterator[tuple[IO[bytes], Path]]:
    """Yield ``(file, temporary path)`` in ``target``'s directory. When the block ends normally
    the file is flushed, synced and renamed over ``target``; on any exception it is removed
    and ``target`` is left as it was."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f, path
            f.flush()
            os.fsync(f.fileno())
        os.replace(path, target)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def atomic_write(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_file(target) as (f, _):
        f.write(data)
