"""Check an Algoritmeregister entry (publication standard 1.0) by the register's own rules and the handbook's.

Errors are what the register rejects or cannot store; warnings are handbook rules the API does not check.
Lengths are counted as the register counts them: on the text with HTML removed, text nodes joined by
single spaces (its `strip_html`, emulated here with the standard library's `html.parser`).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import urlsplit

from uitlegbaar.standards import algoritmeregister as ar

Severity = Literal["error", "warning"]

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_EMAIL = re.compile(r"^[^@\s<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_TAG_LIKE = re.compile(r"</?([A-Za-z][^\s/>]*)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DROPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BLANK = re.compile("[\\s\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]+")
_BARE = re.compile("[\\s<\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]+")  # lxml drops a bare "<" as well
_FUNCTIONAL = re.compile(
    r"algoritme|info|team|contact|service|support|privacy|helpdesk|secretariaat|afdeling|data|"
    r"noreply|no-reply|postbus|loket|klant|vragen|register|dpo|fg\b|functionaris",
    re.IGNORECASE,
)
# Free-mail providers: an address there is a person's, never an organisation's general contact.
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.nl",
        "outlook.com",
        "outlook.nl",
        "live.com",
        "live.nl",
        "msn.com",
        "yahoo.com",
        "yahoo.nl",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.net",
        "ziggo.nl",
        "kpnmail.nl",
        "planet.nl",
        "home.nl",
        "hetnet.nl",
        "xs4all.nl",
        "casema.nl",
        "upcmail.nl",
        "telfort.nl",
        "chello.nl",
    }
)


@dataclass(frozen=True)
class Problem:
    """One broken rule: the field, the rule, what was found, and whether the register would reject it."""

    field: str
    rule: str
    message: str
    value: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        shown = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.severity}: {self.field}: {self.message} [{self.rule}]{shown}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------ reading HTML as the register does


@dataclass(frozen=True)
class Markup:
    """What a text field holds: its text as the register sees it, and the markup around it."""

    text: str
    tags: tuple[str, ...]
    attributes: tuple[str, ...]
    other: tuple[str, ...]
    elements: bool

    @property
    def has_markup(self) -> bool:
        return bool(self.tags or self.other)


class _Reader(HTMLParser):
    """Collects text nodes (joined later by spaces, as lxml's `//text()` is), tags and other markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.nodes: list[str] = []
        self.buffer: list[str] = []
        self.raw: list[str] = []  # the source of the buffered text, entities blanked out
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.other: list[str] = []
        self.elements = False

    def flush(self) -> None:
        self.tags += [m.group(1).lower() for m in _TAG_LIKE.finditer("".join(self.raw))]  # lxml reads these as tags
        node = "".join(self.buffer)
        self.buffer, self.raw = [], []
        if not self.elements and not self.nodes:
            node = node.lstrip()  # libxml2 drops the whitespace that opens a document
        if node:
            self.nodes.append(node)

    def _element(self, tag: str) -> None:
        self.flush()
        self.tags.append(tag.lower())
        self.elements = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag)
        self.attributes += [f"{tag}.{name}" for name, _ in attrs]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._element(tag)

    def handle_data(self, data: str) -> None:
        self.buffer.append(data)
        self.raw.append(data)

    def handle_entityref(self, name: str) -> None:
        self.buffer.append(html.unescape(f"&{name};"))
        self.raw.append(" ")

    def handle_charref(self, name: str) -> None:
        self.buffer.append(html.unescape(f"&#{name};"))
        self.raw.append(" ")

    def _markup(self, what: str) -> None:
        self.flush()
        self.other.append(what)

    def handle_comment(self, data: str) -> None:
        self._markup("<!--…-->")

    def handle_decl(self, decl: str) -> None:
        self._markup(f"<!{decl[:20]}>")

    def unknown_decl(self, data: str) -> None:
        self._markup(f"<![{data[:20]}]>")

    def handle_pi(self, data: str) -> None:
        self._markup(f"<?{data[:20]}>")


@functools.lru_cache(maxsize=4096)
def read_html(value: str) -> Markup:
    """The text and markup of `value`, read the way the register's HTML parser reads it (remembered:
    the declared fields are the same in every run's entry)."""
    reader = _Reader()
    try:
        reader.feed(value)
        reader.close()
    except Exception:  # pragma: no cover - html.parser is lenient; stay safe on anything it refuses
        text = re.sub(r"<[^<>]*>", " ", value)
        return Markup(html.unescape(text), ("?",), (), ("unparsable markup",), True)
    reader.flush()
    return Markup(
        " ".join(reader.nodes), tuple(reader.tags), tuple(reader.attributes), tuple(reader.other), reader.elements
    )


def strip_html(value: str) -> str:
    """`value` with its HTML removed, as the register measures it."""
    return read_html(value).text if value else value


@functools.lru_cache(maxsize=4096)
def stored_length(value: str) -> int:
    """About how long the sanitised HTML the register stores for a rich-text value is: allowed tags
    kept bare, text escaped, plain text wrapped in `<p>` and several blocks in a `<div>`."""
    reader = _sanitise(value)
    body = "".join(reader.out)
    wrap = 7 if reader.top_text or not reader.top_blocks else 11 if reader.top_blocks > 1 else 0
    return len(body) + wrap


def sanitized(value: str) -> str:
    """Rich text as the register keeps it: only the allowed tags, without attributes; all text escaped
    (`<script>` and `<style>` dropped with their content). Safe to put in a page as HTML."""
    return "".join(_sanitise(value).out)


def _sanitise(value: str) -> _Sanitiser:
    reader = _Sanitiser()
    reader.feed(value)
    reader.close()
    return reader


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.depth = 0
        self.top_blocks = 0
        self.top_text = False
        self.killed = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.killed += 1
        elif tag in ar.ALLOWED_HTML_TAGS and not self.killed:
            self.top_blocks += self.depth == 0
            self.depth += tag != "br"
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.killed = max(0, self.killed - 1)
        elif tag in ar.ALLOWED_HTML_TAGS and tag != "br" and not self.killed:
            self.depth = max(0, self.depth - 1)
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.killed:
            self.top_text = self.top_text or (self.depth == 0 and bool(data.strip()))
            self.out.append(html.escape(data, quote=False))


# ------------------------------------------------------------------ the rules


def validate_entry(entry: Any) -> list[Problem]:
    """Every problem of `entry` (a submission body, `AlgorithmIn`): errors first, then warnings."""
    if not isinstance(entry, Mapping):
        return [Problem("(entry)", "type", f"an entry is a JSON object, not {type(entry).__name__}")]
    problems = _required(entry)
    for field, value in entry.items():
        problems += check_field(str(field), value)
    problems += _handbook(entry)
    return sorted(problems, key=lambda p: p.severity != "error")


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def check_field(field: str, value: Any) -> list[Problem]:
    """The register's rules for one top-level field (`required` is checked on the entry)."""
    if value is None:
        return []
    if field in ar.ENUMS:
        return _enum(field, value, ar.ENUMS[field])
    if field in ar.LIST_ENUMS:
        return _list_enum(field, value, ar.LIST_ENUMS[field])
    if field in ar.GROUPING_REQUIRED:
        return _grouping(field, value)
    if field in ar.MAX_LENGTH:
        return check_text(field, value, ar.MAX_LENGTH[field], rich=field in ar.RICH_TEXT)
    if field in ar.READ_ONLY:
        return [_warn(field, "read_only", "is set by the register and ignored on input", value)]
    return [_warn(field, "unknown_field", "is not a field of standard 1.0; the register ignores it", value)]


def check_text(field: str, value: Any, limit: int | None, *, rich: bool) -> list[Problem]:
    """A text field: its type, characters, length without HTML, the HTML it may hold, its stored size."""
    if not isinstance(value, str):
        return [_error(field, "type", f"must be a string, not {_json_type(value)}", value)]
    if _SURROGATE.search(value):
        return [_error(field, "encoding", "contains an unpaired surrogate, which cannot be sent as UTF-8", value)]
    markup = read_html(value)
    problems = []
    if value and not markup.elements and not (_BLANK.sub("", markup.text) and _BARE.sub("", value)):
        problems.append(_error(field, "empty_text", "has no text; the register's HTML parser fails on it", value))
    if limit is not None and len(markup.text) > limit:
        message = f"is {len(markup.text)} characters without HTML; the register allows at most {limit}"
        problems.append(_error(field, "max_length", message, value))
    problems += _html(field, markup, value, rich=rich)
    if rich and field in ar.DB_COLUMN and stored_length(value) > ar.DB_COLUMN[field]:
        message = f"takes about {stored_length(value)} characters as stored HTML; its database column holds "
        problems.append(_error(field, "db_column", message + f"{ar.DB_COLUMN[field]}", value))
    if _DROPPED.search(value):
        problems.append(_warn(field, "control_characters", "contains control characters the register drops", value))
    return problems


def _html(field: str, markup: Markup, value: str, *, rich: bool) -> list[Problem]:
    if not rich:
        if markup.has_markup:
            found = ", ".join(sorted({f"<{t}>" for t in markup.tags} | set(markup.other)))
            return [_error(field, "html", f"may not contain HTML ({found}); the register removes it", value)]
        return []
    allowed = "<" + ">, <".join(ar.ALLOWED_HTML_TAGS) + ">"
    bad = sorted({f"<{t}>" for t in markup.tags if t not in ar.ALLOWED_HTML_TAGS} | set(markup.other))
    problems = []
    if bad:
        message = f"contains {', '.join(bad)}; the register keeps only {allowed} and alters the text"
        problems.append(_error(field, "html", message, value))
    if markup.attributes:
        message = f"has HTML attributes ({', '.join(sorted(set(markup.attributes)))}); the register removes them"
        problems.append(_error(field, "html_attributes", message, value))
    return problems


def _required(entry: Mapping[str, Any]) -> list[Problem]:
    return [
        _error(field, "required", "is required by the register and missing" + (" (null)" if field in entry else ""))
        for field in ar.REQUIRED
        if entry.get(field) is None
    ]


def _enum(field: str, value: Any, allowed: tuple[str, ...]) -> list[Problem]:
    if isinstance(value, str) and value in allowed:
        return []
    return [_error(field, "enum", f"must be exactly one of {_choices(allowed)}", value)]


def _list_enum(field: str, value: Any, allowed: tuple[str, ...]) -> list[Problem]:
    if not isinstance(value, list):
        return [_error(field, "type", f"must be a list, not {_json_type(value)}", value)]
    return [
        _error(f"{field}[{i}]", "enum", f"must be exactly one of {_choices(allowed)}", item)
        for i, item in enumerate(value)
        if not (isinstance(item, str) and item in allowed)
    ]


def _grouping(field: str, value: Any) -> list[Problem]:
    if not isinstance(value, list):
        return [_error(field, "type", f"must be a list of {{title, link}}, not {_json_type(value)}", value)]
    problems = []
    for i, item in enumerate(value):
        where = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            problems.append(_error(where, "type", f"must be an object {{title, link}}, not {_json_type(item)}", item))
            continue
        for key in ar.GROUPING_REQUIRED[field]:
            if item.get(key) is None:
                problems.append(_error(f"{where}.{key}", "required", f"every item of {field} needs a {key}"))
        for key, limit in ar.GROUPING_MAX_LENGTH[field].items():
            problems += check_text(f"{where}.{key}", item.get(key), limit, rich=False) if item.get(key) else []
    return problems


# ------------------------------------------------------------------ the handbook's rules (warnings)


def _handbook(entry: Mapping[str, Any]) -> list[Problem]:
    problems = [
        _warn(field, "empty", "is empty; the register does not publish an entry without it", "")
        for field in ar.REQUIRED
        if isinstance(entry.get(field), str) and not strip_html(entry[field]).strip()
    ]
    problems += _urls(entry) + _months(entry) + _contact(entry.get("contact_email"))
    problems += _impact_titles(entry.get("impacttoetsen_grouping"))
    if entry.get("end_date") and entry.get("status") != "Buiten gebruik":
        message = "is only filled in when the status is 'Buiten gebruik' (the handbook)"
        problems.append(_warn("end_date", "end_date", message, entry["end_date"]))
    if "standard_version" not in entry:
        message = "is missing; send '1.0' (the register fills it in on create but not on update)"
        problems.append(_warn("standard_version", "standard_version", message))
    methods = entry.get("methods_and_models")
    if isinstance(methods, str) and methods.strip() and "zelflerend" not in strip_html(methods).lower():
        message = "should state whether the algorithm is self-learning ('zelflerend')"
        problems.append(_warn("methods_and_models", "self_learning", message))
    return problems


def _urls(entry: Mapping[str, Any]) -> list[Problem]:
    found = [(field, entry.get(field)) for field in ar.URL_FIELDS]
    for field in ar.GROUPING_REQUIRED:
        items = entry.get(field)
        if isinstance(items, list):
            found += [(f"{field}[{i}].link", x.get("link")) for i, x in enumerate(items) if isinstance(x, Mapping)]
    return [
        _warn(field, "https", "should be a full https:// URL (the handbook)", value)
        for field, value in found
        if isinstance(value, str) and value and not is_https_url(value)
    ]


def is_https_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme == "https" and "." in parts.netloc and not re.search(r"\s", value.strip())


def _months(entry: Mapping[str, Any]) -> list[Problem]:
    return [
        _warn(field, "month", "should be a month as YYYY-MM, e.g. 2025-03 (the handbook)", entry[field])
        for field in ar.MONTH_FIELDS
        if isinstance(entry.get(field), str) and entry[field] and not _MONTH.match(entry[field])
    ]


def _contact(value: Any) -> list[Problem]:
    if not isinstance(value, str) or not value.strip():
        return []
    text = value.strip()
    if is_https_url(text):
        return []
    if not _EMAIL.match(text):
        message = "should be an e-mail address or an https:// web form (the handbook)"
        return [_warn("contact_email", "contact", message, value)]
    local, domain = text.lower().rsplit("@", 1)
    if domain in FREE_MAIL:
        return [
            _warn("contact_email", "personal_email", f"is a free-mail address ({domain}), not a general one", value)
        ]
    if re.fullmatch(r"[a-z]+([._-][a-z]+)+", local) and not _FUNCTIONAL.search(local):
        message = "looks like a personal address (firstname.lastname@); use a general one (the handbook)"
        return [_warn("contact_email", "personal_email", message, value)]
    return []


def _impact_titles(items: Any) -> list[Problem]:
    if not isinstance(items, list):
        return []
    return [
        _warn(
            f"impacttoetsen_grouping[{i}].title",
            "impact_title",
            "is not one of the register's filter labels, so the entry is filed under 'Overig'",
            item["title"],
        )
        for i, item in enumerate(items)
        if isinstance(item, Mapping)
        and isinstance(item.get("title"), str)
        and item["title"] not in ar.IMPACT_ASSESSMENT_FILTER
    ]


# ------------------------------------------------------------------ helpers


def _error(field: str, rule: str, message: str, value: Any = None) -> Problem:
    return Problem(field, rule, message, _shown(value), "error")


def _warn(field: str, rule: str, message: str, value: Any = None) -> Problem:
    return Problem(field, rule, message, _shown(value), "warning")


def _shown(value: Any, limit: int = 80) -> str | None:
    """The value as a short repr, for messages."""
    if value is None:
        return None
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _choices(allowed: tuple[str, ...]) -> str:
    return ", ".join(repr(a) for a in allowed)


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object", str: "a string"}
    return names.get(type(value), type(value).__name__)
