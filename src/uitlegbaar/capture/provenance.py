"""Where and with what a run ran: git state, Python, packages, user and host."""

from __future__ import annotations

import functools
import getpass
import hashlib
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from uitlegbaar.evidence import declaration as declarations
from uitlegbaar.evidence.records import GitInfo, Provenance

KEY_PACKAGES = (
    "uitlegbaar",
    "numpy",
    "pandas",
    "pyarrow",
    "polars",
    "scikit-learn",
    "scipy",
    "mlflow",
    "shap",
    "fairlearn",
    "xgboost",
    "lightgbm",
    "torch",
)
_GIT_TIMEOUT_S = 5


def collect() -> Provenance:
    """Provenance of the current process (each part that cannot be read is left empty)."""
    return Provenance(
        declaration=_declaration(),
        git=git_info(Path.cwd()),
        python=platform.python_version(),
        platform=platform.platform(terse=True),
        packages=package_versions(),
        user=_safe(getpass.getuser),
        host=_safe(socket.gethostname),
        entry_point=Path(sys.argv[0]).name if sys.argv and sys.argv[0] else None,
    )


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str]:
    """Installed versions of the key packages (read once per process: reading metadata is slow)."""
    return dict(_installed(names))


@functools.lru_cache(maxsize=8)
def _installed(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return tuple(versions.items())


def _declaration() -> str | None:
    """The `uitlegbaar.yaml` nearest the script that runs (else the working folder), relative to the git root
    (else to the working folder, else absolute), so the commands find the declaration the run was made with."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    starts = [script.resolve().parent] if script is not None and script.is_file() else []
    found = next((f for f in (declarations.find(s) for s in [*starts, Path.cwd()]) if f is not None), None)
    if found is None:
        return None
    root = git_root(Path.cwd())
    for base in ([root] if root else []) + [Path.cwd().resolve()]:
        if found.is_relative_to(base):
            return found.relative_to(base).as_posix()
    return str(found)


@functools.lru_cache(maxsize=8)
def git_root(folder: Path) -> Path | None:
    """The top folder of the git checkout `folder` is in, if any (asked once per folder and process: commands
    that compile many runs look for each run's declaration)."""
    root = _git(folder, "rev-parse", "--show-toplevel")
    return Path(root) if root else None


def git_info(folder: Path) -> GitInfo | None:
    """Commit, branch, dirty flag and a hash of the uncommitted diff; None outside a repository."""
    commit = _git(folder, "rev-parse", "HEAD")
    if commit is None:
        return None
    branch = _git(folder, "rev-parse", "--abbrev-ref", "HEAD")
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    dirty = bool(status)
    diff_hash = None
    if dirty:
        diff = _git_bytes(folder, "diff", "HEAD", "--no-color", "--no-ext-diff")
        diff_hash = hashlib.sha256(diff).hexdigest() if diff is not None else None
    return GitInfo(
        commit=commit,
        branch=branch,
        dirty=dirty,
        diff_sha256=diff_hash,
        remote=_public_remote(_git(folder, "config", "--get", "remote.origin.url")),
    )


def _public_remote(url: str | None) -> str | None:
    """A remote URL without credentials (https://user:token@host/… → https://host/…)."""
    if not url:
        return None
    if "://" in url and "@" in url.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return url


def _git(folder: Path, *args: str) -> str | None:
    raw = _git_bytes(folder, *args)
    return None if raw is None else raw.decode(errors="replace").strip()


def _git_bytes(folder: Path, *args: str) -> bytes | None:
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, timeout=_GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _safe(read: object) -> str | None:
    try:
        return str(read())  # type: ignore[operator]
    except Exception:
        return None
