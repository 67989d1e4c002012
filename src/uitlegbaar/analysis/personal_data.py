"""Find personal data in a table that nobody declared: by its values (a seeded sample) and by column names.

    findings = screen_table(table, personal={"bsn"}, cleared={"klantnummer"})

Each column is screened on a seeded sample of at most SAMPLE_ROWS rows: national identifiers (the BSN
eleven-test), IBANs, e-mail addresses, phone numbers, Dutch postcodes (with or without a house number) and
addresses, IP addresses, person names, dates of birth and free text; a column none of those fits may still
announce one by its name (`telefoon`, `geboortedatum`, …). A near-unique integer or code column is an
identifier of the rows, and so of people when the table holds personal data (or its name says it identifies a
person, `klant_id`); that is confirmed on the full column, the only full-column work, and only for candidates.

A validator (python-stdnum, phonenumbers, email-validator, …) runs in Python, one value at a time, so it sees only
the sampled values a vectorised pre-check lets through, and at most CHECKED of those, spread over the sample; the
share that passes is estimated from them. A finding says what was seen, in words and numbers (`94% of 1,000
sampled values pass the BSN eleven-test (python-stdnum; 64 checked)`), never a value. Floats and booleans are
measurements and flags: they are not screened by value or name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from typing import TYPE_CHECKING, Any

from uitlegbaar.analysis import personal_values as check
from uitlegbaar.analysis.personal_columns import IDENTIFIER_WORDS, PERSON_WORDS, kind_by_name, words_of
from uitlegbaar.evidence.results import PersonalFinding, PersonalKind

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

SAMPLE_ROWS = 1_000
CHECKED = 64  # values a validator checks per column and kind, at most (spread evenly over the candidates)
SHARE = 0.5  # of the sampled non-null values that must pass a validator
MIN_VALUES = 3  # fewer sampled non-null values than this say nothing
IDENTIFIER_SHARE = 0.95  # distinct values per non-null value
IDENTIFIER_MIN_ROWS = 100
BIRTH_SHARE = 0.9
BIRTH_SPAN_YEARS = 15
BIRTH_MIN_AGE_YEARS = 10
FREE_TEXT_LENGTH = 40
FREE_TEXT_WORDS = 6
FREE_TEXT_MIN_VALUES = 20

# (kind, a cheap regular expression that candidates must match, the validator, what passing means, by whom). The
# expression only saves the validator's time on values that cannot pass; the validator decides.
_TEXT_CHECKS: tuple[tuple[PersonalKind, str, Callable[[str], bool], str, str], ...] = (
    ("iban", r"^\s*[A-Za-z]{2}\s?\d{2}", check.iban, "are valid IBANs", "python-stdnum: format and mod-97 check"),
    ("email", r"@", check.email, "are e-mail addresses", "email-validator"),
    ("bsn", r"^[\d\s.\-]{9,11}$", check.bsn, "pass the BSN eleven-test", "python-stdnum"),
    ("ip_address", r"^\s*[0-9A-Fa-f:.]*[.:][0-9A-Fa-f:.]*\s*$", check.ip_address, "are IP addresses", "ipaddress"),
    ("phone", r"^\s*[+0][\d\s()./\-]{7,19}$", check.phone, "are valid phone numbers", "phonenumbers, region NL"),
    (
        "address",
        r"[A-Za-z].*\d{4}\s?[A-Za-z]{2}",
        check.address,
        "are addresses with a Dutch postcode",
        "python-stdnum",
    ),
)


def screen_table(
    table: pa.Table,
    *,
    personal: Collection[str] = (),
    cleared: Collection[str] = (),
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
    today: date | None = None,
) -> list[PersonalFinding]:
    """Findings of personal data in `table`'s columns, at most one per column, in column order. Columns known
    to be `personal`, and those the user `cleared`, are not screened; the personal ones (and any column found
    here) make the table one about people, in which a near-unique identifier column identifies people."""
    names = [str(c) for c in table.column_names]
    screened = [
        i for i, c in enumerate(names) if c not in personal and c not in cleared and _screenable(table.field(i).type)
    ]
    sample = sample_of(table.select(screened), sample_rows, seed)
    found: dict[int, PersonalFinding] = {}
    for at, i in enumerate(screened):
        finding = _by_values(names[i], sample.column(at), today or date.today()) or _by_name(names[i], table.field(i))
        if finding is not None:
            found[i] = finding
    context = sorted({c for c in names if c in personal} | {f.column for f in found.values()})
    for at, i in enumerate(screened):
        if i not in found:
            finding = _identifier(names[i], table.column(i), sample.column(at), context)
            if finding is not None:
                found[i] = finding
    return [found[i] for i in sorted(found)]


def sample_of(table: pa.Table, rows: int = SAMPLE_ROWS, seed: int = 0) -> pa.Table:
    """At most `rows` rows of `table`, drawn uniformly with a fixed seed and kept in table order."""
    import numpy as np

    if table.num_rows <= rows:
        return table
    picked = np.sort(np.random.default_rng(seed).choice(table.num_rows, rows, replace=False))
    return table.take(picked)


# ---------------------------------------------------------------- by values


def _by_values(name: str, column: pa.ChunkedArray, today: date) -> PersonalFinding | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    values = _plain(pc.drop_null(column))
    if len(values) < MIN_VALUES:
        return None
    t = values.type
    if pa.types.is_integer(t):
        return _integers(name, values)
    if pa.types.is_temporal(t):
        days = _days_of_dates(values)
        return None if days is None else _birth_dates(name, days, len(values), today)
    return _texts(name, values, today)


def _texts(name: str, values: pa.Array, today: date) -> PersonalFinding | None:
    """Text: e-mail addresses, then (when at least SHARE of the values hold a digit) the kinds written with digits,
    then names and free text."""
    import pyarrow.compute as pc

    with_digits = pc.sum(pc.match_substring_regex(values, r"\d")).as_py() >= SHARE * len(values)
    for kind, pattern, valid, meaning, by in _TEXT_CHECKS:
        if kind != "email" and not with_digits:
            continue
        finding = _validated(name, kind, values, pc.match_substring_regex(values, pattern), valid, meaning, by)
        if finding is not None:
            return finding
    if with_digits:
        found = _postcodes(name, values) or _birth_dates_in_text(name, values, today)
        if found is not None:
            return found
    return _names(name, values) or _free_text(name, values)


def _birth_dates_in_text(name: str, values: pa.Array, today: date) -> PersonalFinding | None:
    days = _days_of_text(values)
    return None if days is None else _birth_dates(name, days, len(values), today)


def _postcodes(name: str, values: pa.Array) -> PersonalFinding | None:
    import pyarrow.compute as pc

    found = _passing(values, pc.match_substring_regex(values, r"^\s*\d{4}\s?[A-Za-z]{2}"), check.postcode)
    if found is None:
        return None
    share, checked, results = found
    numbered = sum(1 for ok, number in results if ok and number) / max(1, sum(1 for ok, _ in results if ok))
    evidence = _evidence(share, len(values), "are Dutch postcodes", "python-stdnum", checked)
    return _finding(name, "postcode", f"{evidence}, {numbered:.0%} of them with a house number")


def _names(name: str, values: pa.Array) -> PersonalFinding | None:
    import pyarrow.compute as pc

    capitalised = pc.match_substring_regex(values, r"^\s*\p{Lu}[^\d]*$")  # no digits in a name
    meaning = "look like person names (a common first name, alone or with a surname)"
    return _validated(name, "name", values, capitalised, check.person_name, meaning, "uitlegbaar's list of names")


def _validated(
    name: str,
    kind: PersonalKind,
    values: pa.Array,
    candidates: pa.Array,
    valid: Callable[[Any], bool],
    meaning: str,
    by: str,
) -> PersonalFinding | None:
    """A finding when at least SHARE of `values` pass `valid` (estimated from CHECKED of the `candidates`)."""
    found = _passing(values, candidates, valid)
    if found is None:
        return None
    share, checked, _ = found
    return _finding(name, kind, _evidence(share, len(values), meaning, by, checked))


def _evidence(share: float, n: int, meaning: str, by: str, checked: int) -> str:
    """`94% of 1,000 sampled values pass the BSN eleven-test (python-stdnum; 64 checked)`."""
    return f"{_percent(share)} of {_count(n)} sampled values {meaning} ({by}; {checked} checked)"


def _passing(
    values: pa.Array, candidates: pa.Array, valid: Callable[[Any], Any]
) -> tuple[float, int, list[Any]] | None:
    """(the estimated share of `values` that pass `valid`, how many were checked, the results) when that share is
    at least SHARE. Only values the vectorised pre-check marks as `candidates` can pass; CHECKED of them, spread
    evenly, are validated, and the share is the candidates' share times the share of those that passed."""
    n = len(values)
    tried = values.filter(candidates)
    if len(tried) < SHARE * n:
        return None
    checked = _spread(tried, CHECKED)
    seen: dict[Any, Any] = {}  # each distinct value validated once (categories repeat)
    results = [seen[v] if v in seen else seen.setdefault(v, valid(v)) for v in checked.to_pylist()]
    passed = sum(1 for r in results if (r[0] if isinstance(r, tuple) else r))
    share = len(tried) / n * passed / len(checked)
    return (share, len(checked), results) if share >= SHARE else None


def _free_text(name: str, values: pa.Array) -> PersonalFinding | None:
    import pyarrow.compute as pc

    n = len(values)
    if n < FREE_TEXT_MIN_VALUES:
        return None
    length = pc.mean(pc.utf8_length(values)).as_py()
    words = pc.mean(pc.count_substring(values, " ")).as_py() + 1  # words as spaces + 1 (a regex costs 10×)
    distinct = pc.count_distinct(values).as_py() / n
    if length < FREE_TEXT_LENGTH or words < FREE_TEXT_WORDS or distinct < 0.5:
        return None
    evidence = (
        f"free text in {_count(n)} sampled values: {length:.0f} characters and {words:.0f} words on average, "
        f"{distinct:.0%} distinct"
    )
    return _finding(name, "free_text", evidence)


def _integers(name: str, values: pa.Array) -> PersonalFinding | None:
    import pyarrow.compute as pc

    nine_digits = pc.and_(pc.greater_equal(values, 10_000_000), pc.less_equal(values, 999_999_999))
    return _validated(name, "bsn", values, nine_digits, check.bsn_number, "pass the BSN eleven-test", "python-stdnum")


def _birth_dates(name: str, days: np.ndarray, n: int, today: date) -> PersonalFinding | None:
    """Dates of birth: nearly all between 1900 and ten years ago, spread over many years, and not years alone."""
    import numpy as np

    if len(days) < max(MIN_VALUES, BIRTH_SHARE * n):
        return None
    latest = _epoch_days(today) - round(BIRTH_MIN_AGE_YEARS * 365.25)
    within = (days >= _epoch_days(date(1900, 1, 1))) & (days <= latest)
    low, high = np.percentile(days, [10, 90])
    years = (high - low) / 365.25
    dates = days.astype("datetime64[D]")
    new_year = float(np.mean(dates == dates.astype("datetime64[Y]").astype("datetime64[D]")))
    if np.count_nonzero(within) < BIRTH_SHARE * n or years < BIRTH_SPAN_YEARS or new_year >= 0.5:
        return None
    evidence = (
        f"{_share(int(np.count_nonzero(within)), n)} of {_count(n)} sampled values are dates between 1900 and "
        f"{BIRTH_MIN_AGE_YEARS} years ago, the middle 80% of them spread over {years:.0f} years: dates of birth"
    )
    return _finding(name, "birth_date", evidence)


def _days_of_text(values: pa.Array) -> np.ndarray | None:
    """Days since 1970 of the values that read as dates (ISO, or day-month-year), when most of them do."""
    import pyarrow as pa
    import pyarrow.compute as pc

    head = pc.utf8_slice_codeunits(values, 0, 10)
    if not pc.any(pc.match_substring_regex(head, r"^\d{1,4}[-/]\d{1,2}[-/]\d{1,4}$")).as_py():
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        parsed = pc.strptime(head, format=pattern, unit="s", error_is_null=True)
        if parsed.null_count <= (1 - BIRTH_SHARE) * len(parsed):
            return _days_of_dates(pc.drop_null(parsed).cast(pa.date32()))
    return None


def _days_of_dates(values: pa.Array) -> np.ndarray | None:
    """Days since 1970 of dates or timestamps; None for timestamps with a time of day (not a birth date)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    t = values.type
    if pa.types.is_timestamp(t):
        per_day = 86_400 * {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[t.unit]
        ticks = np.asarray(values.cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64)
        if np.mean(ticks % per_day == 0) < BIRTH_SHARE:
            return None
        days: np.ndarray = ticks // per_day
        return days
    if pa.types.is_date(t):
        return np.asarray(pc.cast(values, pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False), np.int64)
    return None


def _epoch_days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


# ---------------------------------------------------------------- by name, and identifiers


def _by_name(name: str, field: pa.Field) -> PersonalFinding | None:
    t = _value_type(field.type)
    kind = kind_by_name(name, **_what(t))
    if kind is None:
        return None
    return PersonalFinding(column=name, kind=kind, by="name", evidence=f"the column's name says: {_NAMES[kind]}")


def _identifier(
    name: str, column: pa.ChunkedArray, sample: pa.ChunkedArray, personal: list[str]
) -> PersonalFinding | None:
    """A near-unique integer or code column, in a table with personal data or named after a person: it
    identifies people. Integers must be named as an id (`nr`, `id`, …) or be a dense range (a sequence)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = len(column) - column.null_count
    t = _value_type(column.type)
    words = set(words_of(name))
    about_people = bool(words & PERSON_WORDS)
    if rows < IDENTIFIER_MIN_ROWS or not (personal or about_people) or pa.types.is_temporal(t):
        return None
    values = _plain(pc.drop_null(sample))
    # A column that is distinct in at least IDENTIFIER_SHARE of its rows shows about m·(1 − share)·m/rows repeats
    # in a sample of m: allow twice that (at least one) before counting the whole column.
    repeats = len(values) - pc.count_distinct(values).as_py()
    if repeats > max(1.0, 2 * len(values) * (1 - IDENTIFIER_SHARE) * len(values) / rows):
        return None
    if pa.types.is_dictionary(column.type):
        column = column.cast(t)
    dense: tuple[int, int] | None = None
    if pa.types.is_integer(t):
        bounds = pc.min_max(column)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        dense = (low, high) if high - low + 1 <= 2 * rows else None
        if dense is None and not words & IDENTIFIER_WORDS:
            return None  # spread-out numbers without an id's name: amounts, not keys
    elif pc.sum(pc.match_substring(values, " ")).as_py() > 0.1 * len(values):
        return None  # text with spaces: names and free text are judged by their values
    distinct = _distinct(column, dense)
    if distinct < IDENTIFIER_SHARE * rows:
        return None
    named = ", ".join(personal[:5]) + (f" and {len(personal) - 5} more" if len(personal) > 5 else "")
    context = f"in a table that holds personal data ({named})" if personal else "named after a person"
    evidence = f"{_share(distinct, rows)} of {_count(rows)} values are distinct, {context}"
    return _finding(name, "identifier", evidence)


def _distinct(column: pa.ChunkedArray, dense: tuple[int, int] | None) -> int:
    """How many distinct non-null values the whole column has: for integers in a range not much wider than the
    column, by marking each one in that range (a pass over the values); otherwise by Arrow's hash table."""
    import numpy as np
    import pyarrow.compute as pc

    if dense is not None:
        low, high = dense
        values = pc.drop_null(column).combine_chunks().to_numpy(zero_copy_only=False)
        seen = np.zeros(high - low + 1, dtype=bool)
        seen[(values - values.dtype.type(low)).astype(np.intp, copy=False)] = True
        return int(np.count_nonzero(seen))
    return len(pc.unique(pc.drop_null(column)))


# ---------------------------------------------------------------- helpers

_NAMES: dict[PersonalKind, str] = {
    "bsn": "a national identifier (BSN)",
    "iban": "bank account numbers (IBAN)",
    "email": "e-mail addresses",
    "phone": "phone numbers",
    "postcode": "postcodes",
    "address": "addresses",
    "name": "names of people",
    "birth_date": "dates of birth",
    "ip_address": "IP addresses",
    "free_text": "free text",
    "identifier": "a near-unique identifier",
    "unscreened": "not screened",
}


def kind_label(kind: PersonalKind) -> str:
    """What a kind of personal data is, in words (`e-mail addresses`)."""
    return _NAMES[kind]


def _finding(name: str, kind: PersonalKind, evidence: str) -> PersonalFinding:
    return PersonalFinding(column=name, kind=kind, by="values", evidence=evidence)


def _screenable(t: pa.DataType) -> bool:
    """Text, integers and dates are screened; floats, booleans, binary and nested data are not."""
    import pyarrow as pa

    t = _value_type(t)
    return bool(pa.types.is_integer(t) or pa.types.is_temporal(t) or _is_text(t))


def _what(t: pa.DataType) -> dict[str, bool]:
    import pyarrow as pa

    return {"text": _is_text(t), "number": pa.types.is_integer(t), "temporal": pa.types.is_temporal(t)}


def _is_text(t: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _value_type(t: pa.DataType) -> pa.DataType:
    import pyarrow as pa

    return t.value_type if pa.types.is_dictionary(t) else t


def _plain(values: Any) -> pa.Array:
    """One array of plain values: dictionaries decoded, text as `string`, chunks joined."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    t = values.type
    if pa.types.is_dictionary(t):
        values = values.dictionary_decode()
        t = values.type
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        values = values.cast(pa.string())
    return values


def _spread(values: pa.Array, most: int) -> pa.Array:
    """At most `most` of `values`, evenly spread over them (a sample is in table order: a prefix would see only the
    start of the table)."""
    import numpy as np

    if len(values) <= most:
        return values
    return values.take(np.linspace(0, len(values) - 1, most).round().astype(np.int64))


def _percent(share: float) -> str:
    """`87%`; 100% only for all, 0% only for none."""
    if 0 < share < 1:
        return f"{min(max(share, 0.01), 0.99):.0%}"
    return f"{share:.0%}"


def _share(part: int, whole: int) -> str:
    return _percent(part / whole if whole else 0.0)


def _count(n: int) -> str:
    return f"{n:,}"
