"""Strings of the other language in a document, found with the catalogue itself (documents/i18n.py).

For a document in `lang`, every catalogue entry whose text in the other language differs from its text in `lang`
(and is no text of `lang`'s catalogue at all) is a phrase that must not appear: its fixed parts (placeholders cut
out) are searched as whole words, case-sensitively, in what a reader sees (HTML without tags, style and scripts;
Markdown without its YAML front matter, which is metadata for machines).
"""

from __future__ import annotations

import html
import re

from uitlegbaar.documents.i18n import DIFF_WORDS, LABELS, Language

_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_MIN_LENGTH = 3  # fragments shorter than this ("In", "Uit") say nothing about the language


def foreign_phrases(lang: Language) -> set[str]:
    """The fixed parts of every catalogue text of the other language that `lang`'s catalogue does not share."""
    mine, other = (0, 1) if lang == "en" else (1, 0)
    pairs = [*LABELS.values(), *DIFF_WORDS.values()]
    own = {p[mine] for p in pairs}
    own_words = {w for text in own for w in re.findall(r"\w+", text)}
    phrases: set[str] = set()
    for pair in pairs:
        text = pair[other]
        if text == pair[mine] or text in own:
            continue
        for fragment in _PLACEHOLDER.split(text):
            fragment = fragment.strip(" :;,.()/=–-·")
            if len(fragment) < _MIN_LENGTH or fragment in own:
                continue
            words = re.findall(r"\w+", fragment)
            if words and all(w in own_words for w in words) and len(words) == 1:
                continue  # one word both languages use ("Model", "Dataset")
            phrases.add(fragment)
    return phrases


def visible_text(document: str, fmt: str) -> str:
    """What a reader of the document sees."""
    if fmt == "html":
        body = re.sub(r"<(style|script)\b.*?</\1>", " ", document, flags=re.S | re.I)
        body = re.sub(r"<[^>]+>", " ", body)
        return html.unescape(body)
    if fmt == "json":
        import json

        def strings(value: object) -> list[str]:
            if isinstance(value, str):
                return [value]
            if isinstance(value, dict):
                return [s for v in value.values() for s in strings(v)]
            if isinstance(value, list):
                return [s for v in value for s in strings(v)]
            return []

        return html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(strings(json.loads(document)))))
    if fmt == "md" and document.startswith("---\n"):
        return document.split("\n---\n", 1)[1].replace("\\", "")
    return document


def foreign_strings(document: str, fmt: str, lang: Language) -> list[str]:
    """Every phrase of the other language's catalogue the document shows, sorted."""
    text = visible_text(document, fmt)
    return sorted(p for p in foreign_phrases(lang) if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text))
