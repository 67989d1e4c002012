# ruff: noqa: E501  (the HTML and Markdown templates below keep one table row on one line)
"""The readiness view of a check (`uitlegbaar check … --format html|md`): per lifecycle phase of the
Algoritmekader, what is done, what is missing and who must act, and what is organisational. One self-contained
HTML page (inline CSS, no scripts, a Content-Security-Policy that forbids every fetch, every value escaped) or
Markdown. Pure: a function of the `CheckReport`."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from jinja2 import Environment, StrictUndefined, Template

from uitlegbaar.documents.card.markdown import row, text
from uitlegbaar.gates.coverage import CheckReport, ItemResult
from uitlegbaar.standards.algoritmekader import LIFECYCLE, phase_slug

NO_PHASE = "Zonder levensfase"
"""Items the task registry places in no phase (our own framework items, the Algoritmeregister fields)."""
DONE = ("evidenced", "declared")


@dataclass
class Phase:
    """The items of one lifecycle phase, by what they need."""

    name: str
    done: list[tuple[str, ItemResult]] = field(default_factory=list)
    missing: list[tuple[str, ItemResult]] = field(default_factory=list)
    organisational: list[tuple[str, ItemResult]] = field(default_factory=list)

    def add(self, framework: str, item: ItemResult) -> None:
        bucket = self.done if item.status in DONE else self.missing if item.status == "missing" else None
        (bucket if bucket is not None else self.organisational).append((framework, item))


def phases(report: CheckReport) -> list[Phase]:
    """Every applicable item under each phase it names, in the registry's phase order (unplaced ones last)."""
    by_slug = {phase_slug(p): Phase(p) for p in LIFECYCLE}
    rest = Phase(NO_PHASE)
    for framework in report.frameworks:
        for item in framework.items:
            if item.status == "not applicable":
                continue
            for target in [by_slug[s] for s in item.lifecycle if s in by_slug] or [rest]:
                target.add(framework.key, item)
    return [p for p in (*by_slug.values(), rest) if p.done or p.missing or p.organisational]


def not_applicable(report: CheckReport) -> list[tuple[str, ItemResult]]:
    return [(f.key, i) for f in report.frameworks for i in f.items if i.status == "not applicable"]


def _context(report: CheckReport) -> dict[str, object]:
    versions = [(f.key, f.version) for f in report.frameworks if f.version]
    return {
        "report": report,
        "phases": phases(report),
        "not_applicable": not_applicable(report),
        "versions": versions,
        "ident": _ident,
        "note": _note,
    }


def _ident(item: ItemResult) -> str:
    return item.urn or item.key


def _note(item: ItemResult) -> str:
    """For an organisational item: the roles the registry suggests (a measure) or what its measures show."""
    return item.how or "" if item.detail.startswith("outside") else item.detail


def render_markdown(report: CheckReport) -> str:
    return _markdown().render(**_context(report), row=row, text=text)


def render_html(report: CheckReport) -> str:
    return _html().render(**_context(report))


def _env(autoescape: bool) -> Environment:
    return Environment(autoescape=autoescape, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@functools.cache
def _markdown() -> Template:
    return _env(False).from_string(_MARKDOWN)


@functools.cache
def _html() -> Template:
    return _env(True).from_string(_HTML)


_MARKDOWN = """\
# Readiness of run {{ text(report.run_id[:12]) }}: {{ "ready" if report.ok else "not ready" }}

{% for key, version in versions %}
- {{ text(key) }}: built from {{ text(version) }}
{% endfor %}
{% for contradiction in report.contradictions %}
- **Contradiction:** {{ text(contradiction) }}
{% endfor %}
{% for phase in phases %}

## {{ text(phase.name) }}

Done {{ phase.done | length }}, missing {{ phase.missing | length }}, organisational {{ phase.organisational | length }}.
{% if phase.missing %}

### Missing: who must act

| item | title | who | how |
|---|---|---|---|
{% for key, item in phase.missing %}
{{ row([ident(item), item.title, item.who or "", item.how or ""]) }}
{% endfor %}
{% endif %}
{% if phase.done %}

### Done

| item | title | status | supplied by | records |
|---|---|---|---|---|
{% for key, item in phase.done %}
{{ row([ident(item), item.title, item.status, item.by, item.records | join(", ")]) }}
{% endfor %}
{% endif %}
{% if phase.organisational %}

### Organisational: outside what a pipeline can show

| item | title | who | note |
|---|---|---|---|
{% for key, item in phase.organisational %}
{{ row([ident(item), item.title, item.who or "", note(item)]) }}
{% endfor %}
{% endif %}
{% endfor %}
{% if not_applicable %}

## Not applicable

| item | title | why |
|---|---|---|
{% for key, item in not_applicable %}
{{ row([ident(item), item.title, item.detail]) }}
{% endfor %}
{% endif %}
"""

_HTML = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Readiness of run {{ report.run_id[:12] }}</title>
<style>
:root { --ink: #1b1b1b; --muted: #5a5f66; --line: #d5d9de; --accent: #154273; --soft: #f2f5f9; --warn: #8a4b00; }
body { margin: 0 auto; max-width: 68rem; padding: 2rem 1.5rem 4rem; color: var(--ink); background: #fff;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: .2rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.35rem; color: var(--accent); margin: 2.4rem 0 .8rem; padding-bottom: .3rem; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
a { color: var(--accent); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .86em; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.missing { color: var(--warn); font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .4rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--soft); }
</style>
</head>
<body>
<main>
<h1>Readiness of run <code>{{ report.run_id[:12] }}</code>: {{ "ready" if report.ok else "not ready" }}</h1>
<ul>
{% for key, version in versions %}
<li>{{ key }}: built from {{ version }}</li>
{% endfor %}
{% for contradiction in report.contradictions %}
<li class="missing">Contradiction: {{ contradiction }}</li>
{% endfor %}
</ul>
{% macro title(item) %}<td>{% if item.link.startswith("https://") %}<a href="{{ item.link }}" lang="nl">{{ item.title }}</a>{% else %}<span lang="nl">{{ item.title }}</span>{% endif %}</td>{% endmacro %}
{% for phase in phases %}
<section aria-labelledby="phase-{{ loop.index }}">
<h2 id="phase-{{ loop.index }}" lang="nl">{{ phase.name }}</h2>
<p>Done {{ phase.done | length }}, {% if phase.missing %}<strong class="missing">missing {{ phase.missing | length }}</strong>{% else %}missing 0{% endif %}, organisational {{ phase.organisational | length }}.</p>
{% if phase.missing %}
<table>
<caption>Missing: who must act</caption>
<thead><tr><th scope="col">item</th><th scope="col">title</th><th scope="col">who</th><th scope="col">how</th></tr></thead>
<tbody>
{% for key, item in phase.missing %}
<tr><td><code>{{ ident(item) }}</code></td>{{ title(item) }}<td>{{ item.who or "" }}</td><td>{{ item.how or "" }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endif %}
{% if phase.done %}
<table>
<caption>Done</caption>
<thead><tr><th scope="col">item</th><th scope="col">title</th><th scope="col">status</th><th scope="col">supplied by</th><th scope="col">records</th></tr></thead>
<tbody>
{% for key, item in phase.done %}
<tr><td><code>{{ ident(item) }}</code></td>{{ title(item) }}<td>{{ item.status }}</td><td>{{ item.by }}</td><td><code>{{ item.records | join(", ") }}</code></td></tr>
{% endfor %}
</tbody>
</table>
{% endif %}
{% if phase.organisational %}
<table>
<caption>Organisational: outside what a pipeline can show</caption>
<thead><tr><th scope="col">item</th><th scope="col">title</th><th scope="col">who</th><th scope="col">note</th></tr></thead>
<tbody>
{% for key, item in phase.organisational %}
<tr><td><code>{{ ident(item) }}</code></td>{{ title(item) }}<td>{{ item.who or "" }}</td><td>{{ note(item) }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endif %}
</section>
{% endfor %}
{% if not_applicable %}
<section aria-labelledby="not-applicable">
<h2 id="not-applicable">Not applicable</h2>
<table>
<caption>Items the declared AI Act profile rules out, with the reason</caption>
<thead><tr><th scope="col">item</th><th scope="col">title</th><th scope="col">why</th></tr></thead>
<tbody>
{% for key, item in not_applicable %}
<tr><td><code>{{ ident(item) }}</code></td>{{ title(item) }}<td>{{ item.detail }}</td></tr>
{% endfor %}
</tbody>
</table>
</section>
{% endif %}
</main>
</body>
</html>
"""
