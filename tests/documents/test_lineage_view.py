"""`uitlegbaar lineage`: the graph of a real run, and its text, Mermaid, DOT and HTML renderings."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

import uitlegbaar as ub
from helpers import EXAMPLES, cli
from uitlegbaar.documents.lineage import Graph, depths, lineage_graph, to_dot, to_html, to_mermaid, to_text
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore

HOSTILE = 'x" <script>alert(1)</script>\nline2 & #1 `tick` \\N'
EXAMPLE = EXAMPLES / "toeslagen_pipeline.py"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("toeslagen_pipeline", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = _example()


@ub.step
def split(features: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    """The example's train/test split, as a step (so the model links back to the source data)."""
    X, y = features[example.CATEGORICAL + example.NUMERIC], features["heronderzoek"]
    return tuple(train_test_split(X, y, features["geslacht"], test_size=0.25, random_state=0, stratify=y))


def example_run(store: Path, folder: Path) -> Graph:
    source = example.generate_applications(folder / "aanvragen.csv", rows=600)
    with ub.run("example") as run:
        features = example.make_features(example.load_applications(source))
        X_train, X_test, y_train, y_test, _, groups_test = split(features)
        model = example.train_model(X_train, y_train)
        example.evaluate_model(model, X_test, y_test, groups_test)
        example.explain_model(model, X_test, y_test)
    return lineage_graph(load_evidence(LocalStore.open(store), run.id))


@pytest.fixture
def graph(store: Path, tmp_path: Path) -> Graph:
    return example_run(store, tmp_path)


@pytest.fixture
def hostile(store: Path) -> Graph:
    @ub.dataset(name=HOSTILE)
    def load() -> pd.DataFrame:
        return pd.DataFrame({HOSTILE: [1, 2], "b": ["<b>", "&amp;"]})

    @ub.step(name=HOSTILE)
    def widen(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(**{HOSTILE + "2": frame[HOSTILE] * 2})

    with ub.run(HOSTILE) as run:
        widen(load())
    return lineage_graph(load_evidence(LocalStore.open(store), run.id))


def edges_by_title(graph: Graph) -> set[tuple[str, str, str]]:
    return {(graph.node(e.source).title, graph.node(e.target).title, e.kind) for e in graph.edges}


def test_the_example_pipeline_runs_from_source_data_to_evaluation_and_explanation(graph: Graph) -> None:
    kinds = {(n.kind, n.role) for n in graph.nodes}
    assert kinds == {
        ("dataset", "source"),
        ("dataset", "derived"),
        ("step", None),
        ("model", None),
        ("evaluation", None),
        ("explanation", None),
    }
    source = next(n for n in graph.nodes if n.role == "source")
    assert source.title == "toeslagaanvragen" and source.lines[1] == "600 × 12" and source.lines[2].startswith("fp ")
    make_features = next(n for n in graph.nodes if n.title == "make_features")  # no module path
    assert make_features.lines[1] == "+leeftijd; -bsn, -naam, -geboortedatum"
    split_step = "split"
    assert {  # datasets by their role, from the argument they were passed as
        ("toeslagaanvragen", "make_features", "input"),
        ("make_features", "output of step make_features", "output"),
        ("output of step make_features", split_step, "input"),
        (split_step, "training features", "output"),
        ("training features", "toeslag-heronderzoek", "training"),
        ("training labels", "toeslag-heronderzoek", "training"),
        ("toeslag-heronderzoek", "evaluation: test", "evaluated"),
        ("test features", "evaluation: test", "data"),
        ("sensitive attributes of the test set", "evaluation: test", "data"),
        ("toeslag-heronderzoek", "explanation: permutation_importance", "explained"),
    } <= edges_by_title(graph)
    depth = depths(graph)
    assert all(depth[e.source] < depth[e.target] for e in graph.edges)
    assert depth[source.id] == 0 and max(depth.values()) == 6  # source, step, features, split, parts, model, results


def test_text_lists_every_node_with_where_it_came_from(graph: Graph) -> None:
    text = to_text(graph)
    assert all(n.title in text for n in graph.nodes)
    assert "← toeslag-heronderzoek (evaluated)" in text


def test_mermaid_and_dot_hold_every_node_and_edge(graph: Graph) -> None:
    mermaid, dot = to_mermaid(graph), to_dot(graph)
    assert mermaid.startswith("flowchart LR\n") and dot.startswith("digraph lineage {\n")
    for i, node in enumerate(graph.nodes):
        assert re.search(rf"^  n{i}\W.*{re.escape(node.title)}", mermaid, re.M)
        assert re.search(rf'^  n{i} \[label="{re.escape(node.title)}\\n', dot, re.M)
    assert len(re.findall(r"^  n\d+ --> n\d+$", mermaid, re.M)) == len(graph.edges)
    assert len(re.findall(r"^  n\d+ -> n\d+ ", dot, re.M)) == len(graph.edges)


MERMAID_LINE = re.compile(
    r'  n\d+(\[\(|\[|\{\{|\(\[|\()"[^"\n]*"(\)\]|\]|\}\}|\]\)|\))'  # a node: one quoted label, no quote inside
    r"|  n\d+ --> n\d+|  classDef \w+ [\w:#,]+|  class [n\d,]+ \w+|  %% lineage of run \w+|flowchart LR"
)
DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'
DOT_LINE = re.compile(
    rf"  n\d+ \[label={DOT_STRING}, shape=\w+, fillcolor=\"#\w+\"\];"
    rf"|  n\d+ -> n\d+ \[label=\"\w+\"\];|  (graph|node|edge) \[.*\];|digraph lineage {{|}}"
)


def test_hostile_names_are_escaped_in_every_format(hostile: Graph) -> None:
    assert any(n.title == HOSTILE.replace("\n", " ") for n in hostile.nodes)  # one line, nothing else changed
    mermaid = to_mermaid(hostile)
    assert all(MERMAID_LINE.fullmatch(line) for line in mermaid.splitlines()), mermaid
    assert "<script" not in mermaid
    assert "x#quot; #lt;script#gt;alert(1)#lt;/script#gt; line2 #amp; #35;1 #96;tick#96; \\N" in mermaid
    dot = to_dot(hostile)
    assert all(DOT_LINE.fullmatch(line) for line in dot.splitlines()), dot
    assert r'"Lineage of run x\" <script>alert(1)</script> line2 & #1 `tick` \\N"' in dot
    assert not any(line.startswith("line2") for line in to_text(hostile).splitlines())


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_output_parses_with_graphviz(graph: Graph, hostile: Graph) -> None:
    for g in (graph, hostile):
        done = subprocess.run(["dot", "-Tsvg"], input=to_dot(g), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr


def test_html_is_one_self_contained_page_with_escaped_names(hostile: Graph) -> None:
    page = to_html(hostile)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page.lower()
    assert re.findall(r"https?:[^\"]*", page) == ["http://www.w3.org/2000/svg"]  # the SVG namespace, nothing fetched
    assert "&lt;script&gt;" in page
    svg = ET.fromstring(page[page.index("<svg") : page.index("</svg>") + len("</svg>")])
    assert len(svg.findall("{http://www.w3.org/2000/svg}g")) == len(hostile.nodes)
    assert len(svg.findall("{http://www.w3.org/2000/svg}path")) == len(hostile.edges)


def test_a_step_that_returns_its_input_unchanged_does_not_stop_the_layout(store: Path) -> None:
    @ub.step
    def check(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    with ub.run("cycle") as run:
        check(pd.DataFrame({"a": [1, 2]}))
    graph = lineage_graph(load_evidence(LocalStore.open(store), run.id))
    assert {e.kind for e in graph.edges} == {"input", "output"} and len(graph.nodes) == 2
    assert sorted(depths(graph).values()) == [0, 1] and "<svg" in to_html(graph)


def test_cli_prints_each_format_and_writes_a_file_with_o(graph: Graph, store: Path, tmp_path: Path) -> None:
    assert "toeslagaanvragen" in cli("lineage", "latest", store=store).stdout
    mermaid = cli("lineage", "latest", "--format", "mermaid", store=store)
    assert mermaid.returncode == 0 and mermaid.stdout == to_mermaid(graph)
    target = tmp_path / "lineage.html"
    written = cli("lineage", graph.run_id[:8], "--format", "html", "-o", str(target), store=store)
    assert written.returncode == 0 and target.read_text() == to_html(graph)
    assert cli("lineage", "latest", "--format", "png", store=store).returncode == 2
