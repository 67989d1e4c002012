"""The AVG (GDPR) facts uitlegbaar checks claims against.

Art. 9 names the special categories of personal data: racial or ethnic origin, political opinions, religious or
philosophical beliefs, trade union membership, genetic data, biometric data for identification, health, and a
person's sex life or sexual orientation; art. 10 adds criminal convictions and offences. Column names that name
one of them (Dutch and English), as parts of a name split on `_`, `-`, `.` and spaces.
"""

from __future__ import annotations

import re

SPECIAL_CATEGORIES: dict[str, tuple[str, ...]] = {
    "racial or ethnic origin": ("etniciteit", "etnisch", "afkomst", "ethnicity", "ethnic", "race"),
    "political opinions": ("politiek", "partijvoorkeur", "political"),
    "religious or philosophical beliefs": ("religie", "geloof", "levensovertuiging", "religion", "religious"),
    "trade union membership": ("vakbond", "vakbondslid", "vakbondslidmaatschap"),
    "genetic data": ("genetisch", "dna", "genetic"),
    "biometric data": ("biometrie", "biometrisch", "vingerafdruk", "gezichtsherkenning", "biometric"),
    "health": ("gezondheid", "medisch", "diagnose", "ziekte", "beperking", "health", "medical", "diagnosis"),
    "sex life or sexual orientation": ("geaardheid", "seksueel", "seksuele", "sexual"),
    "criminal convictions and offences (art. 10)": ("strafblad", "veroordeling", "justitie", "criminal", "conviction"),
}
_WORD = re.compile(r"[a-z0-9]+")


def special_category(column: str) -> str | None:
    """The special category a column's name points to, or None."""
    words = set(_WORD.findall(column.lower()))
    return next((category for category, terms in SPECIAL_CATEGORIES.items() if words & set(terms)), None)
