"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from uitlegbaar.errors import ConfigurationError

TMP_PREFIX = ".tmp-"
CHUNK = 1024 * 1024


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


def check_folder(path: str | os.PathLike[str], what: str = "folder") -> Path:
    """`ConfigurationError` unless the folder `path` exists or can be made below a folder that exists and is not
    the file system's root (nothing is made yet)."""
    folder = Path(path)
    if not str(path).strip():
        raise ConfigurationError(f"the {what} name is empty: give a path")
    if folder.exists() and not folder.is_dir():
        raise ConfigurationError(f"{folder} is a file, not a folder: choose another {what}")
    existing = next((p for p in (folder, *folder.absolute().parents) if p.exists()), Path("/"))
    if existing != folder and existing.parent == existing:
        raise ConfigurationError(f"{folder} would be made at the file system's root: create its folder first")
    return folder


def prepare_folder(path: str | os.PathLike[str], what: str = "folder") -> Path:
    """Make the folder `path` (and missing parents) for output, as `check_folder` allows; one clear
    `ConfigurationError` otherwise (never a folder at `/`, never a traceback)."""
    folder = check_folder(path, what)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot make the folder {folder}: {exc.strerror or exc}") from exc
    return folder


def check_output(path: str | os.PathLike[str]) -> Path:
    """`ConfigurationError` unless `path` can be written as an output file (`-o FILE`); nothing is made yet, so
    commands check before they compile."""
    target = Path(path)
    if not str(path).strip():
        raise ConfigurationError("the output file name is empty: give a file, or - for standard output")
    if target.is_dir():
        raise ConfigurationError(f"{target} is a folder: give a file name for the output")
    check_folder(target.parent, "output folder")
    return target


def prepare_output(path: str | os.PathLike[str]) -> Path:
    """`check_output`, then make the file's missing folders."""
    target = check_output(path)
    prepare_folder(target.parent, "output folder")
    return target


def write_output(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write a document the user asked for (`-o FILE`) atomically, after `prepare_output`."""
    target = prepare_output(path)
    try:
        return write_atomic(target, data)
    except OSError as exc:
        raise ConfigurationError(f"cannot write {target}: {exc.strerror or exc}") from exc


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes (hex), read once in chunks: a model of gigabytes never sits in memory."""
    with open(path, "rb") as f:
        if hasattr(hashlib, "file_digest"):  # Python 3.11+: hashes in C, without the GIL
            return str(hashlib.file_digest(f, "sha256").hexdigest())
        digest = hashlib.sha256()
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
        return digest.hexdigest()
