"""Hostile input: fuzzed uitlegbaar.yaml files, column and feature names, free text and CLI arguments.

Always a clear error (an UitlegbaarError, or a one-line message and exit code 2) or a valid output, never a
traceback; HTML outputs never carry executable script that came from the input.
"""

from __future__ import annotations

import html.parser
import string
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from uitlegbaar.cli.app import cli

import uitlegbaar as ub
import uitlegbaar.capture.settings
from helpers import EXAMPLES
from uitlegbaar.documents.card.render import render_card as render
from uitlegbaar.documents.lineage import lineage_graph, to_html
from uitlegbaar.evidence.declaration import load
from uitlegbaar.pipeline import compile_run, load_evidence
from uitlegbaar.store import LocalStore

EXAMPLE = EXAMPLES / "uitlegbaar.yaml"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' onmouseover='alert(1)",
    "</title><script>x</script>",
    "<svg onload=alert(1)>",
    "{{ 7*7 }}{% raw %}",
    "\u202e\u0000\ufeff",
    "[klik](javascript:alert(1))",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=40))

# ------------------------------------------------------------------ uitlegbaar.yaml


def _loads_or_says_why(path: Path) -> None:
    try:
        load(path)
    except ub.UitlegbaarError as exc:
        message = str(exc)
        assert message and str(path) in message.splitlines()[0]


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=12,
)
known_keys = st.sampled_from(
    ["name", "organization", "description_short", "status", "algorithms", "goal", "contact_email", "begin_date"]
)


@FUZZ
@given(data=st.dictionaries(known_keys | hostile_text, yaml_values, max_size=6))
def test_any_yaml_mapping_loads_or_gives_a_clear_error(tmp_path: Path, data: dict[str, Any]) -> None:
    path = tmp_path / "uitlegbaar.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    _loads_or_says_why(path)


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text_loads_or_gives_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "uitlegbaar.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _loads_or_says_why(path)


@FUZZ
@given(at=st.integers(0, 10_000), junk=st.text(alphabet=string.printable + "\u00e9\u2028", min_size=1, max_size=8))
def test_the_example_with_junk_inserted_loads_or_gives_a_clear_error(tmp_path: Path, at: int, junk: str) -> None:
    text = EXAMPLE.read_text()
    at %= len(text)
    path = tmp_path / "uitlegbaar.yaml"
    path.write_text(text[:at] + junk + text[at:])
    _loads_or_says_why(path)


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe\x00binary", b"a: [" * 2000, b"algorithms:\n  x: [1, 2]\n", b"algorithms:\n  x: 5\n", b"? [a]\n: b\n"],
    ids=["not-utf8", "deeply-nested", "algorithm-a-list", "algorithm-a-number", "list-as-key"],
)
def test_awkward_files_give_a_clear_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "uitlegbaar.yaml"
    path.write_bytes(raw)
    with pytest.raises(ub.UitlegbaarError, match=r"uitlegbaar\.yaml"):
        load(path)


# ------------------------------------------------------------------ names and free text into HTML


class _Executable(html.parser.HTMLParser):
    """Collects what a browser would run: script elements, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if value and "".join(value.split()).lower().startswith(("javascript:", "vbscript:", "data:text/html")):
                self.found.append(f"{tag} {name}={value}")


def executable(document: str) -> list[str]:
    parser = _Executable()
    parser.feed(document)
    parser.close()
    return parser.found


def test_the_detector_finds_what_a_browser_would_run() -> None:
    page = '<p onclick="x()">a</p><script>y()</script><a href=" JaVa\nscript:z()">b</a><a href="https://x">c</a>'
    assert executable(page) == ["p onclick=", "<script>", "a href= JaVa\nscript:z()"]


def _declaration(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "uitlegbaar.yaml"
    fields = ("name", "description_short", "goal", "human_intervention", "risks", "proportionality")
    data = yaml.safe_load(EXAMPLE.read_text())
    for field in fields:
        data["algorithms"]["toeslag-heronderzoek"][field] = text
    data["algorithms"]["toeslag-heronderzoek"]["website"] = "javascript:alert(1)"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(hostile_text, min_size=2, max_size=2, unique=True), text=hostile_text)
def test_hostile_names_and_text_never_become_script_in_html(tmp_path: Path, names: list[str], text: str) -> None:
    store = tmp_path / f"store-{abs(hash((tuple(names), text)))}"
    uitlegbaar.capture.settings.configure(store=store)
    try:
        frame = pd.DataFrame({names[0]: [1.0, 2.0, 3.0, 4.0], names[1]: ["a", "b", "a", "b"], "y": [0, 1, 0, 1]})

        @ub.dataset(name=text, description=text, source=text, personal=[names[1]])
        def load_frame() -> pd.DataFrame:
            return frame

        @ub.train(model="toeslag-heronderzoek")
        def fit(X: pd.DataFrame, y: pd.Series) -> Any:
            from sklearn.tree import DecisionTreeClassifier

            return DecisionTreeClassifier(max_depth=1).fit(X, y)

        @ub.evaluate(split=text)
        def evaluate(model: Any, X: pd.DataFrame, y: pd.Series) -> dict[str, float]:
            return {text: 0.5, "accuracy": float((model.predict(X) == y).mean())}

        with ub.run(text) as run:
            data = load_frame()
            model = fit(data[[names[0]]], data["y"])
            evaluate(model, data[[names[0]]], data["y"])
    finally:
        uitlegbaar.end_run()
        uitlegbaar.capture.settings.reset()
    local = LocalStore.open(store)
    card = compile_run(local, run.id, "card", declaration=_declaration(tmp_path, text)).document
    for lang in ("en", "nl"):
        page = render(card, "html", lang)  # type: ignore[arg-type]
        assert executable(page) == [], page
        render(card, "md", lang)  # type: ignore[arg-type]
    assert executable(to_html(lineage_graph(load_evidence(local, run.id)))) == []


# ------------------------------------------------------------------ CLI arguments

COMMANDS = ["runs", "show", "card", "register", "systemcard", "lineage", "verify", "diff", "check", "validate", "init"]
arguments = st.lists(
    st.sampled_from(["latest", "latest~3", "--json", "--format", "html", "-o", "--declaration", "--require", "x"])
    | st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12),
    max_size=5,
)


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one real run, so that commands get past finding it."""
    from pipelines import capture_run

    store = tmp_path_factory.mktemp("cli") / "store"
    uitlegbaar.capture.settings.configure(store=store)
    try:
        capture_run()
    finally:
        uitlegbaar.capture.settings.reset()
    return store


@FUZZ
@given(command=st.sampled_from(COMMANDS), args=arguments)
def test_cli_arguments_give_output_or_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_run: Path, command: str, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # `init` and `-o` write here, never into the project
    done = CliRunner().invoke(cli, ["--store", str(one_run), command, *args])
    assert done.exit_code in (0, 1, 2), done.output
    if done.exception is not None:
        assert isinstance(done.exception, SystemExit), repr(done.exception)
    if done.exit_code == 2:
        errors = [line for line in done.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, done.output
