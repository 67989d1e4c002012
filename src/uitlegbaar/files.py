"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

TMP_PREFIX = ".tmp-"


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, fsync: bool = False) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    raw = data.encode() if isinstance(data, str) else data
    return write_with(path, lambda tmp: tmp.write_bytes(raw), fsync=fsync)


def write_with(path: str | os.PathLike[str], write: Callable[[Path], object], *, fsync: bool = False) -> Path:
    """Let `write` fill a temporary file beside `path`, then rename it into place."""
    target = Path(path)
    return write_named(target.parent, target.suffix, write, lambda _: target.name, fsync=fsync)


def write_named(
    folder: Path,
    suffix: str,
    write: Callable[[Path], object],
    name: Callable[[Path], str],
    *,
    fsync: bool = False,
) -> Path:
    """Let `write` fill a temporary file in `folder`, then rename it to `name(file)`: a name that may
    depend on what was written (a digest of the content, say)."""
    tmp = folder / f"{TMP_PREFIX}{uuid.uuid4().hex}{suffix}"
    try:
        write(tmp)
        target = folder / name(tmp)
        if fsync:
            fsync_file(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def fsync_file(path: Path) -> None:
    """Ask the OS to put a file's bytes on disk (for files that must survive a power cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
