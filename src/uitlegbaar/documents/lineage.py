"""A run's lineage as a graph: source data through steps to the model, its evaluations and explanations.

`lineage_graph` builds the graph from a run's evidence; `to_text`, `to_mermaid`, `to_dot` and `to_html`
render it. Labels are made one line each when the graph is built (control characters become spaces), and
each renderer escapes them for its own format, so names can hold anything.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from uitlegbaar.documents.names import dataset_titles, feature_title, function_name
from uitlegbaar.evidence.records import (
    DatasetRecord,
    DatasetRef,
    EvaluationRecord,
    ExplanationRecord,
    ModelRecord,
    Record,
    StepRecord,
)
from uitlegbaar.evidence.view import Evidence

NodeKind = Literal["dataset", "step", "model", "evaluation", "explanation"]
EdgeKind = Literal["input", "output", "training", "evaluated", "data", "explained"]

SHORT_FINGERPRINT = 12
LINEAGE_ITEMS = 6
SUMMARY_ITEMS = 3


@dataclass(frozen=True)
class Node:
    """One box of the graph: `lines[0]` is its title, the rest details (each one line of plain text)."""

    id: str
    kind: NodeKind
    lines: tuple[str, ...]
    role: str | None = None  # datasets: "source" or "derived"

    @property
    def title(self) -> str:
        return self.lines[0]

    @property
    def label(self) -> str:
        """What the node is: `source dataset`, `step`, `model`, …"""
        return f"{self.role} {self.kind}" if self.role else self.kind


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: EdgeKind


@dataclass(frozen=True)
class Graph:
    run_id: str
    run_name: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    @cached_property
    def _by_id(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}

    def node(self, node_id: str) -> Node:
        return self._by_id[node_id]

    def incoming(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.target == node_id]

    def layers(self) -> list[list[Node]]:
        """Nodes by depth (longest path from a node without inputs), each layer in a stable order."""
        depth = depths(self)
        layers: list[list[Node]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for node in self.nodes:
            layers[depth[node.id]].append(node)
        return _ordered_layers(self, layers)


# ---------------------------------------------------------------- building the graph


def lineage_graph(evidence: Evidence) -> Graph:
    """The graph of datasets, steps, models, evaluations and explanations of a run, with their links."""
    personal = {c for d in evidence.datasets for c in d.personal}
    features = {f.name: feature_title(f, personal) for m in evidence.models for f in m.inputs}
    builder = _Builder({k: v["en"] for k, v in dataset_titles(evidence).items()}, features)
    for record in evidence.records:
        builder.add(record)
    return Graph(evidence.run_id, one_line(evidence.run.name), tuple(builder.nodes.values()), tuple(builder.edges))


@dataclass
class _Builder:
    titles: dict[str, str] = field(default_factory=dict)  # dataset record id → the name a reader sees
    features: dict[str, str] = field(default_factory=dict)  # model input → the name prose uses
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[Edge, None] = field(default_factory=dict)  # ordered and without repeats

    def add(self, record: Record) -> None:
        if isinstance(record, DatasetRecord):
            self._node(record.id, "dataset", _dataset_lines(record, self.titles.get(record.id)), record.role)
        elif isinstance(record, StepRecord):
            self._node(
                record.id,
                "step",
                [function_name(record.function), record.lineage.summary(LINEAGE_ITEMS) if record.lineage else ""],
            )
            self._links([self._dataset(r) for r in record.inputs], [record.id], "input")
            self._links([record.id], [self._dataset(r) for r in record.outputs], "output")
        elif isinstance(record, ModelRecord):
            self._node(record.id, "model", _model_lines(record))
            self._links([self._dataset(r) for r in record.training_data], [record.id], "training")
        elif isinstance(record, EvaluationRecord):
            self._node(record.id, "evaluation", [f"evaluation: {record.split}", _metrics_summary(record.metrics)])
            self._links(self._model(record.model_id), [record.id], "evaluated")
            self._links([self._dataset(r) for r in record.data], [record.id], "data")
        elif isinstance(record, ExplanationRecord):
            top = _top(record.importances, self.features)
            self._node(record.id, "explanation", [f"explanation: {record.method}", top])
            self._links(self._model(record.model_id), [record.id], "explained")

    def _node(self, node_id: str, kind: NodeKind, lines: Sequence[str], role: str | None = None) -> None:
        """Add a node; a title is kept even when empty, empty detail lines are left out."""
        title, *details = lines
        self.nodes[node_id] = Node(node_id, kind, (one_line(title), *(one_line(t) for t in details if t)), role)

    def _dataset(self, ref: DatasetRef) -> str:
        """The node of a referenced dataset; one from the reference alone if the run lacks its record."""
        if ref.id not in self.nodes:
            title = self.titles.get(ref.id, function_name(ref.name))
            self._node(ref.id, "dataset", [title, "not recorded", _short(ref.fingerprint)])
        return ref.id

    def _model(self, model_id: str | None) -> list[str]:
        return [model_id] if model_id in self.nodes else []

    def _links(self, sources: Sequence[str], targets: Sequence[str], kind: EdgeKind) -> None:
        for source in sources:
            for target in targets:
                self.edges[Edge(source, target, kind)] = None


def _dataset_lines(dataset: DatasetRecord, title: str | None = None) -> list[str]:
    return [
        title or dataset.name,
        f"{dataset.num_rows:,} × {dataset.num_columns}",
        _short(dataset.fingerprint.digest),
    ]


def _model_lines(model: ModelRecord) -> list[str]:
    return [model.name, f"{model.class_name.rsplit('.', 1)[-1]} · {len(model.features)} features"]


def _short(fingerprint: str) -> str:
    return f"fp {fingerprint[:SHORT_FINGERPRINT]}"


def _first(items: Sequence[str], limit: int) -> str:
    shown = ", ".join(items[:limit])
    return f"{shown} … (+{len(items) - limit} more)" if len(items) > limit else shown


def _metrics_summary(metrics: dict[str, float]) -> str:
    return _first([f"{name} {value:.3g}" for name, value in metrics.items()], SUMMARY_ITEMS)


def _top(importances: dict[str, float], names: dict[str, str]) -> str:
    """The most important inputs by the names prose uses (never a category of a personal column)."""
    ranked = sorted(importances, key=lambda f: -abs(importances[f]))
    shown = list(dict.fromkeys(names.get(f, f) for f in ranked))
    return "top: " + _first(shown, SUMMARY_ITEMS) if shown else ""


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def one_line(text: str) -> str:
    """`text` without line breaks, control or bidirectional-override characters (each run becomes a space)."""
    return _UNPRINTABLE.sub(" ", text)


# ---------------------------------------------------------------- layout


def depths(graph: Graph) -> dict[str, int]:
    """Each node's depth: the longest path to it from a node without inputs, where such a node sits
    just before the first node it feeds. A cycle (a step that returns its input unchanged) is broken
    at its earliest node."""
    incoming: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    outgoing: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for edge in graph.edges:
        incoming[edge.target].append(edge.source)
        outgoing[edge.source].append(edge.target)
    waiting = {n: len(sources) for n, sources in incoming.items()}
    depth: dict[str, int] = {}
    while len(depth) < len(incoming):
        ready = [n for n in incoming if n not in depth and waiting[n] <= 0]
        for node in ready or [next(n for n in incoming if n not in depth)]:
            depth[node] = max((depth[p] + 1 for p in incoming[node] if p in depth), default=0)
            for target in outgoing[node]:
                waiting[target] -= 1
    for node, targets in outgoing.items():
        if targets and not incoming[node]:
            depth[node] = max(0, min(depth[t] for t in targets) - 1)
    return depth


def _ordered_layers(graph: Graph, layers: list[list[Node]]) -> list[list[Node]]:
    """Order each layer by the mean position of its nodes' predecessors, to keep edges short."""
    position: dict[str, int] = {}
    ordered = []
    for layer in layers:
        keys = {n.id: (_mean_position(graph, n, position, default=i), i) for i, n in enumerate(layer)}
        placed = sorted(layer, key=lambda n: keys[n.id])
        position.update({n.id: i for i, n in enumerate(placed)})
        ordered.append(placed)
    return ordered


def _mean_position(graph: Graph, node: Node, position: dict[str, int], default: int) -> float:
    placed = [position[e.source] for e in graph.incoming(node.id) if e.source in position]
    return sum(placed) / len(placed) if placed else float(default)


# ---------------------------------------------------------------- text


def to_text(graph: Graph) -> str:
    """One line per node, layer by layer, each followed by the nodes it comes from."""
    out = [f"Lineage of run {graph.run_id} ({graph.run_name})", ""]
    width = max((len(n.label) for n in graph.nodes), default=0) + 2
    for node in (n for layer in graph.layers() for n in layer):
        out.append(f"{node.label:<{width}}{' · '.join(node.lines)}")
        out += [f"{'':<{width}}  ← {graph.node(e.source).title} ({e.kind})" for e in graph.incoming(node.id)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- Mermaid


_MERMAID_SHAPES: dict[NodeKind, tuple[str, str]] = {
    "dataset": ('[("', '")]'),
    "step": ('["', '"]'),
    "model": ('{{"', '"}}'),
    "evaluation": ('(["', '"])'),
    "explanation": ('("', '")'),
}
_MERMAID_ESCAPES = {"#": "#35;", '"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "`": "#96;"}
_COLOURS = {  # fill, stroke
    "source": ("#dbeafe", "#1d4ed8"),
    "derived": ("#eff6ff", "#60a5fa"),
    "step": ("#f3f4f6", "#4b5563"),
    "model": ("#fef3c7", "#b45309"),
    "evaluation": ("#dcfce7", "#15803d"),
    "explanation": ("#fce7f3", "#be185d"),
}


def to_mermaid(graph: Graph) -> str:
    """A Mermaid `flowchart LR`; labels use Mermaid's entity codes for `"#&<>` and backticks."""
    ids = _short_ids(graph)
    out = ["flowchart LR", f"  %% lineage of run {graph.run_id}"]
    for node in graph.nodes:
        start, end = _MERMAID_SHAPES[node.kind]
        out.append(f"  {ids[node.id]}{start}{'<br>'.join(_mermaid_escape(t) for t in node.lines)}{end}")
    out += [f"  {ids[e.source]} --> {ids[e.target]}" for e in graph.edges]
    out += [f"  classDef {name} fill:{fill},stroke:{stroke}" for name, (fill, stroke) in _COLOURS.items()]
    for name, members in _by_class(graph, ids).items():
        out.append(f"  class {','.join(members)} {name}")
    return "\n".join(out) + "\n"


def _mermaid_escape(text: str) -> str:
    return "".join(_MERMAID_ESCAPES.get(c, c) for c in text)


def _by_class(graph: Graph, ids: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node in graph.nodes:
        out.setdefault(_css_class(node), []).append(ids[node.id])
    return out


def _css_class(node: Node) -> str:
    return (node.role or "derived") if node.kind == "dataset" else node.kind


def _short_ids(graph: Graph) -> dict[str, str]:
    return {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}


# ---------------------------------------------------------------- Graphviz DOT


_DOT_SHAPES: dict[NodeKind, str] = {
    "dataset": "cylinder",
    "step": "box",
    "model": "hexagon",
    "evaluation": "note",
    "explanation": "ellipse",
}


def to_dot(graph: Graph) -> str:
    """A Graphviz digraph laid out left to right; every label is a quoted, escaped string."""
    ids = _short_ids(graph)
    out = [
        "digraph lineage {",
        f"  graph [rankdir=LR, labelloc=t, label={_dot_quote('Lineage of run ' + graph.run_name)}];",
        '  node [fontname="Helvetica", fontsize=10, style=filled];',
        '  edge [fontname="Helvetica", fontsize=8, color="#6b7280"];',
    ]
    for node in graph.nodes:
        fill = _COLOURS[_css_class(node)][0]
        label = _dot_quote("\n".join(node.lines))
        out.append(f'  {ids[node.id]} [label={label}, shape={_DOT_SHAPES[node.kind]}, fillcolor="{fill}"];')
    out += [f'  {ids[e.source]} -> {ids[e.target]} [label="{e.kind}"];' for e in graph.edges]
    return "\n".join([*out, "}"]) + "\n"


def _dot_quote(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, line breaks as DOT's centred `\\n`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# ---------------------------------------------------------------- HTML with an inline SVG


NODE_WIDTH = 250
LINE_HEIGHT = 16
PADDING = 8
COLUMN_GAP = 70
ROW_GAP = 22
MARGIN = 20
CHARS_PER_LINE = 36  # what fits in NODE_WIDTH at the font size below (titles are bold: 3 fewer)

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #111827; }
h1 { font-size: 1.4rem; } p.meta { color: #4b5563; }
svg text { font-size: 12px; fill: #111827; } svg text.title { font-weight: 600; }
svg .edge { fill: none; stroke: #9ca3af; stroke-width: 1.2; }
svg rect { stroke-width: 1.2; }
pre { background: #f9fafb; padding: 1rem; overflow-x: auto; }
"""


_NOTHING_LOADS = (  # a browser runs no script and fetches nothing for this page, whatever slipped in
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
)


@dataclass(frozen=True)
class _Box:
    node: Node
    x: int
    y: int

    @property
    def height(self) -> int:
        return 2 * PADDING + LINE_HEIGHT * len(self.node.lines)


def to_html(graph: Graph) -> str:
    """One self-contained page: the graph as an inline SVG laid out here (no scripts, no requests)."""
    title = html.escape(f"Lineage of run {graph.run_name}")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            f'<head><meta charset="utf-8">{_NOTHING_LOADS}<title>{title}</title><style>{_STYLE}</style></head>',
            "<body>",
            f"<h1>{title}</h1>",
            f'<p class="meta">run {html.escape(graph.run_id)}: {len(graph.nodes)} nodes, {len(graph.edges)} links</p>',
            to_svg(graph),
            f"<details><summary>As text</summary><pre>{html.escape(to_text(graph))}</pre></details>",
            "</body>",
            "</html>",
            "",
        ]
    )


def to_svg(graph: Graph) -> str:
    """The graph as an SVG: one column per depth, left to right."""
    boxes = _layout(graph)
    width = max((b.x + NODE_WIDTH for b in boxes.values()), default=0) + MARGIN
    height = max((b.y + b.height for b in boxes.values()), default=0) + MARGIN
    label = html.escape(f"Lineage of run {graph.run_name}")
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}">',
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#9ca3af"/></marker></defs>',
            *(_svg_edge(boxes[e.source], boxes[e.target], e.kind) for e in graph.edges),
            *(_svg_node(b) for b in boxes.values()),
            "</svg>",
        ]
    )


def _layout(graph: Graph) -> dict[str, _Box]:
    """Columns by depth; in each column boxes stacked top to bottom, columns centred vertically."""
    columns = [_stack(layer, MARGIN + depth * (NODE_WIDTH + COLUMN_GAP)) for depth, layer in enumerate(graph.layers())]
    tallest = max((_column_height(c) for c in columns), default=0)
    boxes: dict[str, _Box] = {}
    for column in columns:
        shift = (tallest - _column_height(column)) // 2
        boxes.update({b.node.id: _Box(b.node, b.x, b.y + shift) for b in column})
    return boxes


def _stack(layer: Sequence[Node], x: int) -> list[_Box]:
    boxes, y = [], MARGIN
    for node in layer:
        box = _Box(node, x, y)
        boxes.append(box)
        y += box.height + ROW_GAP
    return boxes


def _column_height(column: Sequence[_Box]) -> int:
    return column[-1].y + column[-1].height if column else 0


def _svg_node(box: _Box) -> str:
    css = _css_class(box.node)
    fill, stroke = _COLOURS[css]
    texts = [
        _svg_text(box.x + PADDING, box.y + PADDING + LINE_HEIGHT * (i + 1) - 4, line, title=i == 0)
        for i, line in enumerate(box.node.lines)
    ]
    tooltip = html.escape(f"{box.node.label}\n" + "\n".join(box.node.lines))
    return (
        f'<g class="node {css}"><title>{tooltip}</title>'
        f'<rect x="{box.x}" y="{box.y}" width="{NODE_WIDTH}" height="{box.height}" rx="6" '
        f'fill="{fill}" stroke="{stroke}"/>' + "".join(texts) + "</g>"
    )


def _svg_edge(source: _Box, target: _Box, kind: str) -> str:
    x1, y1 = source.x + NODE_WIDTH, source.y + source.height // 2
    x2, y2 = target.x, target.y + target.height // 2
    bend = max(COLUMN_GAP // 2, abs(x2 - x1) // 3)
    return (
        f'<path class="edge {kind}" d="M {x1} {y1} C {x1 + bend} {y1}, {x2 - bend} {y2}, {x2} {y2}" '
        'marker-end="url(#arrow)"/>'
    )


def _svg_text(x: int, y: int, text: str, *, title: bool) -> str:
    css = ' class="title"' if title else ""
    return f'<text x="{x}" y="{y}"{css}>{html.escape(_clip(text, CHARS_PER_LINE - 3 * title))}</text>'


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"
