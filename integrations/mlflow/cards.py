"""The model card of every autologged run, attached to the MLflow run and to its LoggedModels as artifacts, so the
card is one click away in the MLflow UI. On by default under `ub.autolog()`; `ub.autolog(cards=False)` opts out.

Once a top-level run is sealed, its card is compiled from the local store with the nearest uitlegbaar.yaml (as
`uitlegbaar card RUN` would) into `<store>/cards/<run id>/card.md` and `card.html`. The upload sends that folder
with the evidence, as artifacts `uitlegbaar/cards/<run id>/…` of the run and `uitlegbaar/card.md|html` of each
LoggedModel the run logged; `uitlegbaar sync` does the same later. Compiling waits at most the upload's time
budget; when it fails, training goes on and one warning says so (`uitlegbaar card` makes it later).
"""

from __future__ import annotations

from pathlib import Path

from uitlegbaar.integrations.mlflow.bounded import within

FOLDER = "cards"
FORMATS = ("md", "html")

_enabled: list[bool] = [False]


def configure(enabled: bool) -> None:
    """Compile and attach the card of every run sent to MLflow from now on (or no longer)."""
    _enabled[0] = bool(enabled)


def enabled() -> bool:
    return _enabled[0]


def folder(store_root: Path, run_id: str) -> Path:
    return store_root / FOLDER / run_id


def write_cards(store_root: Path, run_id: str, timeout: float) -> str | None:
    """The sealed run's card as Markdown and HTML in its folder, waiting at most `timeout` seconds; None when done
    or not asked for, else why not."""
    if not enabled():
        return None
    return within(lambda: _write(store_root, run_id), timeout, "uitlegbaar-card", "compiling the card")


def _write(store_root: Path, run_id: str) -> None:
    from uitlegbaar import pipeline
    from uitlegbaar.documents.formats import make
    from uitlegbaar.files import write_atomic
    from uitlegbaar.store import LocalStore

    inputs = pipeline.load(LocalStore.open(store_root), run_id)
    target = folder(store_root, run_id)
    target.mkdir(parents=True, exist_ok=True)
    for fmt in FORMATS:
        data, _ = make("card", inputs, fmt)
        write_atomic(target / f"card.{fmt}", data)
