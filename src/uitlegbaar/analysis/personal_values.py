"""Does one value look like personal data? Checks that use well-kept validators where one exists.

BSNs (the eleven-test), IBANs and Dutch postcodes by python-stdnum, phone numbers by phonenumbers (region NL),
e-mail addresses by email-validator (syntax only, no DNS), IP addresses by the standard library. Person names
have no validator: a value whose first word is a common first name (the list beside this module), optionally
followed by a surname, looks like one. Each library is imported on first use, so `import uitlegbaar` stays cheap.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from importlib import resources

# Surname particles that may stand between a first name and a surname ("Jan van der Berg").
_PARTICLES = frozenset(
    {"van", "de", "der", "den", "het", "ter", "ten", "te", "in", "op", "'t", "d'", "el", "al", "ben", "bin"}
    | {"bint", "da", "di", "do", "du", "la", "le", "von", "zu", "mc", "mac"}
)
_INITIALS = re.compile(r"^(?:[A-Z]\.\s?){1,4}$")
# Where a Dutch postcode may be inside a value; python-stdnum decides whether it is one.
_POSTCODE = re.compile(r"(?<!\d)(\d{4}\s?[A-Za-z]{2})(?![A-Za-z])")
_HOUSE_NUMBER = re.compile(r"^[\s,\-]*\d{1,5}")


def bsn(value: str) -> bool:
    """A Dutch citizen service number: nine digits (spaces, dots or dashes allowed) that pass the eleven-test."""
    from stdnum.nl import bsn as check

    digits = value.replace(" ", "").replace(".", "").replace("-", "")
    return len(digits) == 9 and bool(check.is_valid(digits))


def bsn_number(value: int) -> bool:
    """A BSN stored as a number (a leading zero lost): at most nine digits that pass the eleven-test."""
    return 10_000_000 <= value <= 999_999_999 and bsn(f"{value:09d}")


def iban(value: str) -> bool:
    """An IBAN of any country: its country's length and format, and the mod-97 check."""
    from stdnum import iban as check

    return bool(check.is_valid(value))


def email(value: str) -> bool:
    """An e-mail address by its syntax (email-validator, without asking DNS whether the domain exists)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True


def phone(value: str) -> bool:
    """A phone number valid in the Netherlands or, with its country code, anywhere (phonenumbers)."""
    import phonenumbers

    text = value.strip()
    if not text.startswith(("0", "+")):  # numbers are written with a trunk or country prefix; ids are not
        return False
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(text, "NL")))
    except phonenumbers.NumberParseException:
        return False


def postcode(value: str) -> tuple[bool, bool]:
    """(starts with a Dutch postcode that python-stdnum accepts, and a house number follows it)."""
    from stdnum.nl import postcode as check

    text = value.strip()
    found = _POSTCODE.match(text)
    if found is None or not check.is_valid(found.group(1)):
        return False, False
    return True, _HOUSE_NUMBER.match(text[found.end() :]) is not None


def address(value: str) -> bool:
    """Words, then a Dutch postcode (python-stdnum), as in "Dorpsstraat 1, 1234 AB Ergens"."""
    from stdnum.nl import postcode as check

    return any(
        any(c.isalpha() for c in value[: m.start()]) and check.is_valid(m.group(1)) for m in _POSTCODE.finditer(value)
    )


def ip_address(value: str) -> bool:
    """An IPv4 or IPv6 address (the standard library's `ipaddress`)."""
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True


def person_name(value: str) -> bool:
    """Looks like a person's name: a known first name alone ("Fatima"), followed by a surname ("Jan de Vries"),
    or after one ("Vries, Jan de"); or initials before a surname ("J.P. de Vries")."""
    text = value.strip()
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first.strip()} {last.strip()}"
    words = text.split()
    if not 1 <= len(words) <= 6 or any(c.isdigit() for c in text):
        return False
    head, rest = words[0], words[1:]
    if _INITIALS.match(head):
        known = bool(rest)
    else:
        known = head[:1].isupper() and head.lower() in first_names()
        if not known and "-" in head:  # Jan-Willem, Anne-Marie
            known = head[:1].isupper() and all(part.lower() in first_names() for part in head.split("-"))
    return known and all(_surname_part(w) for w in rest)


def _surname_part(word: str) -> bool:
    if word.lower() in _PARTICLES or _INITIALS.match(word):
        return True
    letters = word.replace("-", "").replace("'", "")
    return word[:1].isupper() and letters.isalpha()


@functools.lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Common first names in the Netherlands, lower case (the list `first_names.txt` beside this module)."""
    text = resources.files("uitlegbaar.analysis").joinpath("first_names.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
