"""Work done for a sealed run while training waits (its attestation, its card): in a daemon thread, for at most
the upload's time budget, so that a slow or failing piece costs that piece, never the training."""

from __future__ import annotations

import threading
from collections.abc import Callable


def within(work: Callable[[], None], timeout: float, name: str, slow: str) -> str | None:
    """Run `work`, waiting at most `timeout` seconds: None when it finished, else why not (`slow` and the budget
    when it took longer, the exception, shortened, when it raised)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the caller, in the training thread
            outcome.append(exc)
        else:
            outcome.append(None)

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        return f"{slow} took longer than {timeout:g} s"
    failure = outcome[0]
    return None if failure is None else f"{type(failure).__name__}: {str(failure)[:300]}"
