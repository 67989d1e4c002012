"""An MLflow run context provider (entry point `mlflow.run_context_provider`): with `UITLEGBAAR_MLFLOW_CONTEXT=1`,
every MLflow run, also one not started through uitlegbaar, gets uitlegbaar's provenance tags: the uitlegbaar
version and, inside a git repository, the commit, the dirty flag and the SHA-256 of the uncommitted diff."""

from __future__ import annotations

import os
from pathlib import Path

from mlflow.tracking.context.abstract_context import RunContextProvider

ENABLE = "UITLEGBAAR_MLFLOW_CONTEXT"


class UitlegbaarRunContext(RunContextProvider):  # type: ignore[misc]
    def in_context(self) -> bool:
        return os.environ.get(ENABLE, "").strip().lower() in ("1", "true", "yes")

    def tags(self) -> dict[str, str]:
        from uitlegbaar import __version__
        from uitlegbaar.capture.provenance import git_info

        tags = {"uitlegbaar.version": __version__}
        git = git_info(Path.cwd())
        if git is not None:
            if git.commit:
                tags["uitlegbaar.git.commit"] = git.commit
            if git.dirty is not None:
                tags["uitlegbaar.git.dirty"] = str(git.dirty).lower()
            if git.diff_sha256:
                tags["uitlegbaar.git.diff_sha256"] = git.diff_sha256
        return tags
