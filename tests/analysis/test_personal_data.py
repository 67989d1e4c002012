"""Screening a table for personal data nobody declared: each kind is found by its values and by column names, no
value is ever part of a finding, and columns of things (codes, places, amounts, counts) are left alone."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from helpers import EXAMPLES
from people import PERSONAL, personal_frame, things_frame
from uitlegbaar.analysis.personal_columns import kind_by_name
from uitlegbaar.analysis.personal_data import CHECKED, SAMPLE_ROWS, screen_table
from uitlegbaar.analysis.personal_values import person_name
from uitlegbaar.capture.tables import to_arrow
from uitlegbaar.evidence.results import PersonalFinding


def found(frame: pd.DataFrame | pa.Table, **options: object) -> dict[str, PersonalFinding]:
    table = frame if isinstance(frame, pa.Table) else to_arrow(frame)
    return {f.column: f for f in screen_table(table, **options)}  # type: ignore[arg-type]


def test_each_kind_of_personal_data_is_found_by_its_values() -> None:
    frame = personal_frame()
    findings = found(frame)
    assert {c: f.kind for c, f in findings.items()} == {f"kolom_{kind}": kind for kind in PERSONAL}
    assert {f.by for f in findings.values()} == {"values"}
    assert "pass the BSN eleven-test" in findings["kolom_bsn"].evidence
    assert findings["kolom_bsn"].evidence == (
        f"100% of 300 sampled values pass the BSN eleven-test (python-stdnum; {CHECKED} checked)"
    )  # the validator checks a part of the sample
    assert findings["kolom_birth_date"].evidence.startswith("100% of 300 sampled values")
    assert "with a house number" in findings["kolom_postcode"].evidence
    assert "in a table that holds personal data" in findings["kolom_identifier"].evidence


def test_no_finding_holds_a_value() -> None:
    frame = personal_frame()
    values = {str(v) for column in frame for v in frame[column]}
    words = {w for v in values for w in v.split() if len(w) > 3}  # not even a part of one
    for finding in found(frame).values():
        text = finding.model_dump_json()
        assert not any(v in text for v in values), finding
        assert not any(w in text.split() for w in words if w not in ("with", "values")), finding


def test_columns_of_things_are_not_flagged() -> None:
    frame = things_frame()
    assert found(frame) == {}
    assert found(frame.assign(bsn="—"), personal=["bsn"]) == {}  # nor in a table about people: no column is an id


def test_false_positive_rate_on_a_mixed_table_of_thirty_columns(capsys: pytest.CaptureFixture[str]) -> None:
    frame = things_frame()
    alone = found(frame)
    with_people = found(frame.assign(bsn=personal_frame(len(frame))["kolom_bsn"]))
    with_people.pop("bsn")
    with capsys.disabled():
        print(
            f"\nfalse positives on {frame.shape[1]} non-personal columns: {len(alone)} "
            f"({len(alone) / frame.shape[1]:.0%}); in a table with a BSN column: {len(with_people)} "
            f"({len(with_people) / frame.shape[1]:.0%}) {sorted(with_people)}"
        )
    assert len(alone) == 0
    assert len(with_people) <= 1


def test_false_positive_rate_on_the_example_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("toeslagen_example", EXAMPLES / "toeslagen_pipeline.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    frame = pd.read_csv(example.generate_applications(tmp_path / "aanvragen.csv"), dtype={"bsn": str})
    personal = {"aanvraag_id", "bsn", "naam", "geboortedatum"}  # the case number leads to one applicant's file
    flagged = {c: f"{f.kind} by {f.by}" for c, f in found(frame).items()}
    false, others = sorted(set(flagged) - personal), frame.shape[1] - len(personal)
    with capsys.disabled():
        print(
            f"\nexample data, nothing declared: {flagged}; "
            f"false positives {len(false)} of {others} non-personal columns ({len(false) / others:.0%})"
        )
    assert flagged == {
        "aanvraag_id": "identifier by values",
        "bsn": "bsn by name",  # random digits: one in eleven passes the eleven-test, the name gives it away
        "naam": "name by name",  # "Aanvrager 123": no first name, the name gives it away
        "geboortedatum": "birth_date by values",
    }
    assert found(frame, personal=sorted(personal)) == {}  # as the example declares it: nothing left


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("bsn", "bsn"),
        ("BSN_nummer", "bsn"),
        ("burgerservicenummer", "bsn"),
        ("IBAN", "iban"),
        ("rekeningnummer", "iban"),
        ("e-mail", "email"),
        ("E-mail adres", "email"),
        ("klantEmail", "email"),
        ("telefoonnummer", "phone"),
        ("phone", "phone"),
        ("postcode", "postcode"),
        ("huisnummer", "address"),
        ("woonadres", "address"),
        ("voornaam", "name"),
        ("achternaam", "name"),
        ("naam", "name"),
        ("first_name", "name"),
        ("geboortedatum", "birth_date"),
        ("date_of_birth", "birth_date"),
        ("ip_adres", "ip_address"),
        ("opmerkingen", "free_text"),
    ],
)
def test_column_names_in_dutch_and_english(column: str, kind: str) -> None:
    assert kind_by_name(column, text=True, number=False, temporal=False) == kind
    frame = pd.DataFrame({column: [f"x{i % 4}" for i in range(40)]})  # values that say nothing
    finding = found(frame)[column]
    assert (finding.kind, finding.by) == (kind, "name")


@pytest.mark.parametrize(
    "column",
    ["gemeente_naam", "productnaam", "product_name", "email_domain", "aantal_telefoons", "hostname", "name_length"],
)
def test_names_about_things_or_counts_are_not_personal(column: str) -> None:
    assert kind_by_name(column, text=True, number=True, temporal=False) is None


def test_numbers_and_flags_are_not_personal_by_name() -> None:
    assert kind_by_name("email", text=False, number=True, temporal=False) is None  # a count of e-mails
    assert kind_by_name("naam", text=False, number=False, temporal=False) is None  # a float
    assert kind_by_name("bsn", text=False, number=True, temporal=False) == "bsn"  # BSNs kept as numbers


def test_bsns_stored_as_numbers_and_random_nine_digit_numbers() -> None:
    rng = np.random.default_rng(3)
    valid = [int(v) for v in PERSONAL["bsn"](500, rng)]
    random = rng.integers(10**8, 10**9, 500)  # about 1 in 11 passes the eleven-test by chance
    findings = found(pd.DataFrame({"a": valid, "b": random}))
    assert findings["a"].kind == "bsn"
    assert "b" not in findings


def test_names_but_not_municipalities_or_products() -> None:
    assert person_name("Jan de Vries") and person_name("Vries, Jan de") and person_name("J.P. Balkenende")
    assert person_name("Fatima") and person_name("Jan-Willem van der Berg")
    for thing in ["Den Haag", "Bergen op Zoom", "Alphen aan den Rijn", "Boormachine 18V", "Bosch", "Aanvrager 12"]:
        assert not person_name(thing), thing


def test_dates_of_birth_but_not_dates_of_events() -> None:
    today = dt.date(2026, 1, 1)
    rng = np.random.default_rng(4)
    born = pd.Timestamp("2025-06-01") - pd.to_timedelta(rng.integers(18 * 365, 90 * 365, 500), unit="D")
    events = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, 500), unit="D")
    years = pd.to_datetime([f"{y}-01-01" for y in rng.integers(1940, 2000, 500)])
    frame = pd.DataFrame({"a": born, "b": events, "c": born.date, "d": years, "e": [str(d.date()) for d in born]})
    assert {c: f.kind for c, f in found(frame, today=today).items()} == {
        "a": "birth_date",
        "c": "birth_date",
        "e": "birth_date",
    }


def test_identifiers_need_people_in_the_table_or_a_name_that_says_so() -> None:
    rows = 500
    ids = pd.DataFrame(
        {"id": np.arange(rows), "code": [f"X{v:06d}" for v in range(rows)], "bedrag": np.arange(rows) * 1.5}
    )
    assert found(ids) == {}  # a catalogue of things
    about_people = found(ids.assign(bsn="—"), personal=["bsn"])
    assert {c: f.kind for c, f in about_people.items()} == {"id": "identifier", "code": "identifier"}
    assert found(pd.DataFrame({"klant_id": np.arange(rows) * 7919 % 10**6}))["klant_id"].kind == "identifier"
    spread = pd.DataFrame({"inkomen": np.random.default_rng(1).integers(0, 10**7, rows)})
    assert found(spread.assign(bsn="—"), personal=["bsn"]) == {}  # unique amounts, not named or numbered as ids
    assert found(ids.head(50).assign(bsn="—"), personal=["bsn"]) == {}  # too few rows to tell


def test_known_and_cleared_columns_are_not_screened() -> None:
    frame = personal_frame(120)
    findings = found(frame, personal=["kolom_bsn"], cleared=["kolom_email"])
    assert "kolom_bsn" not in findings and "kolom_email" not in findings
    assert "kolom_iban" in findings


def test_large_tables_are_screened_on_a_seeded_sample() -> None:
    frame = pd.concat([personal_frame(300)] * 20, ignore_index=True)  # 6,000 rows
    first, again = screen_table(to_arrow(frame)), screen_table(to_arrow(frame))
    assert first == again
    email = next(f for f in first if f.kind == "email").evidence
    assert f"100% of {SAMPLE_ROWS:,} sampled values" in email and f"{CHECKED} checked" in email


def test_categorical_large_string_and_null_columns() -> None:
    frame = personal_frame(200)
    table = pa.table(
        {
            "a": pa.array(frame["kolom_email"]).cast(pa.large_string()),
            "b": pa.array(frame["kolom_name"]).dictionary_encode(),
            "c": pa.array([None] * 200, pa.string()),
            "d": pa.array([None] * 200),
        }
    )
    assert {c: f.kind for c, f in found(table).items()} == {"a": "email", "b": "name"}


def test_the_validators_see_the_whole_table_not_its_start() -> None:
    mails = personal_frame(6_000)["kolom_email"].tolist()
    frame = pd.DataFrame({"contact": ["onbekend"] * 4_000 + mails})  # sorted: the e-mail addresses come last
    finding = found(frame)["contact"]
    assert finding.kind == "email"
    share = int(finding.evidence.split("%")[0])
    assert 50 <= share <= 70  # about 60%, as in the whole column
