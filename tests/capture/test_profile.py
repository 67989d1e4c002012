"""Column profiles: nulls, range, mean, distinct counts, top values, and nothing for personal columns."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from uitlegbaar.capture.profile import EXACT_DISTINCT_MAX_ROWS, TOP_VALUES, profile_table
from uitlegbaar.capture.tables import to_arrow
from uitlegbaar.evidence.records import ColumnProfile

LARGE = 200_000
assert LARGE > EXACT_DISTINCT_MAX_ROWS


def profiles(frame: object, personal: tuple[str, ...] = (), min_count: int = 1) -> dict[str, ColumnProfile]:
    """Profiles by column; the small-cell limit is off (min_count=1) unless a test is about it."""
    return {p.name: p for p in profile_table(to_arrow(frame), personal=personal, min_count=min_count)}


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "leeftijd": np.array([34, 51, 19, 51, 67, 51, 42, 19], dtype=np.int64),
            "inkomen": [21_500.5, np.nan, 48_000.0, 33_250.25, np.nan, 12_000.0, 90_000.75, 27_500.0],
            "gemeente": ["Zwolle", "Utrecht", "Zwolle", None, "Groningen", "Zwolle", "Utrecht", "Zwolle"],
            "actief": [True, False, True, True, None, True, False, True],
            "gestart": pd.to_datetime(
                ["2024-03-01", "2023-01-15", None, "2025-06-30", "2024-03-01", "2022-12-31", "2024-01-01", "2024-03-01"]
            ),
        }
    )


def test_numbers_match_numpy(frame: pd.DataFrame) -> None:
    p = profiles(frame)
    ages = frame["leeftijd"].to_numpy()
    assert p["leeftijd"].type == "int64"
    assert p["leeftijd"].null_count == 0
    assert p["leeftijd"].min == int(ages.min()) == 19
    assert p["leeftijd"].max == int(ages.max()) == 67
    assert p["leeftijd"].mean == pytest.approx(float(ages.mean()))
    assert p["leeftijd"].distinct == len(np.unique(ages)) == 5
    assert p["leeftijd"].distinct_estimated is False

    money = frame["inkomen"].to_numpy()
    assert p["inkomen"].type == "double"
    assert p["inkomen"].null_count == int(np.isnan(money).sum()) == 2
    assert p["inkomen"].min == pytest.approx(float(np.nanmin(money)))
    assert p["inkomen"].max == pytest.approx(float(np.nanmax(money)))
    assert p["inkomen"].mean == pytest.approx(float(np.nanmean(money)))
    assert p["inkomen"].distinct == len(np.unique(money[~np.isnan(money)]))


def test_text_bool_and_time_columns(frame: pd.DataFrame) -> None:
    p = profiles(frame)
    town = p["gemeente"]
    assert town.type == "string"
    assert town.null_count == 1
    assert town.min is None and town.max is None and town.mean is None  # no range for text
    assert town.distinct == 3
    assert [(v.value, v.count) for v in town.top_values] == [("Zwolle", 4), ("Utrecht", 2), ("Groningen", 1)]

    flag = p["actief"]
    assert flag.null_count == 1
    assert [(v.value, v.count) for v in flag.top_values] == [(True, 5), (False, 2)]

    started = p["gestart"]
    assert started.type.startswith("timestamp")
    assert started.null_count == 1
    assert started.min == "2022-12-31T00:00:00"
    assert started.max == "2025-06-30T00:00:00"
    assert started.mean is None
    assert started.distinct == 5
    assert started.top_values[0].value == "2024-03-01T00:00:00"
    assert started.top_values[0].count == 3


def test_top_values_are_most_frequent_first_ties_by_value_and_capped() -> None:
    values = ["d"] * 5 + ["b"] * 3 + ["a"] * 3 + ["c"] * 3 + list("efghij")
    top = profiles(pd.DataFrame({"x": values}))["x"].top_values
    assert len(top) == TOP_VALUES == 5
    assert [(v.value, v.count) for v in top] == [("d", 5), ("a", 3), ("b", 3), ("c", 3), ("e", 1)]


def test_no_top_values_for_floats_or_high_cardinality() -> None:
    p = profiles(pd.DataFrame({"f": [0.5, 0.5, 1.5], "n": [1, 1, 2]}))
    assert p["f"].top_values == []
    assert [(v.value, v.count) for v in p["n"].top_values] == [(1, 2), (2, 1)]
    many = profiles(pa.table({"id": pa.array(np.arange(5_000))}))["id"]
    assert many.distinct == 5_000
    assert many.top_values == []


def test_long_text_values_are_cut() -> None:
    top = profiles(pd.DataFrame({"t": ["x" * 1_000] * 2}))["t"].top_values
    assert len(top) == 1
    assert isinstance(top[0].value, str)
    assert len(top[0].value) <= 200
    assert top[0].value.endswith("…")


def test_dictionary_column_is_profiled_as_its_values() -> None:
    p = profiles(pd.DataFrame({"c": pd.Categorical(["hoog", "laag", "hoog"])}))["c"]
    assert p.type == "dictionary<string>"
    assert p.distinct == 2
    assert [(v.value, v.count) for v in p.top_values] == [("hoog", 2), ("laag", 1)]


def test_date_column() -> None:
    table = pa.table({"d": pa.array([dt.date(2024, 5, 1), dt.date(2020, 1, 2), dt.date(2024, 5, 1)])})
    p = profiles(table)["d"]
    assert (p.min, p.max) == ("2020-01-02", "2024-05-01")


def test_personal_columns_get_only_type_and_null_count(frame: pd.DataFrame) -> None:
    frame = frame.assign(
        bsn=["111222333", "444555666", None, "777888999", "123456782", "111222333", "222333444", "999888777"],
        naam=["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Jansen", None, None],
    )
    p = profiles(frame, personal=("bsn", "naam", "leeftijd"))
    for column, nulls, type_name in (("bsn", 1, "string"), ("naam", 2, "string"), ("leeftijd", 0, "int64")):
        got = p[column]
        assert got.personal is True
        assert got.type == type_name
        assert got.null_count == nulls
        assert got.min is None and got.max is None and got.mean is None
        assert got.distinct is None
        assert got.top_values == []
    # the other columns are profiled as usual
    assert p["gemeente"].personal is False
    assert p["gemeente"].top_values
    dumped = "".join(x.model_dump_json() for x in p.values())
    for secret in ("111222333", "Jansen", "de Vries", "Visser"):
        assert secret not in dumped


def test_all_null_and_empty_numeric_columns() -> None:
    p = profiles(pd.DataFrame({"f": [np.nan, np.nan], "i": pd.array([None, None], dtype="Int64")}))
    for name in ("f", "i"):
        assert p[name].null_count == 2
        assert p[name].min is None and p[name].max is None and p[name].mean is None
        assert p[name].distinct == 0
    empty = profiles(pa.table({"x": pa.array([], pa.int64())}))["x"]
    assert (empty.null_count, empty.min, empty.max, empty.distinct) == (0, None, None, 0)


def test_all_null_object_column() -> None:
    p = profiles(pd.DataFrame({"leeg": [None, None, None], "x": [1, 2, 3]}))
    assert p["leeg"].null_count == 3
    assert p["leeg"].distinct == 0


# ---------------------------------------------------------------- distinct counts


def test_distinct_is_exact_up_to_the_limit() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 70_000, EXACT_DISTINCT_MAX_ROWS)
    p = profiles(pa.table({"x": values}))["x"]
    assert p.distinct_estimated is False
    assert p.distinct == len(np.unique(values))
    # nulls do not count towards the limit
    with_nulls = pa.array(
        np.concatenate([values, np.zeros(10)]), mask=np.r_[np.zeros(len(values), bool), np.ones(10, bool)]
    )
    p = profiles(pa.table({"x": with_nulls}))["x"]
    assert p.distinct_estimated is False
    assert p.distinct == len(np.unique(values))


def _estimate(values: np.ndarray | list[str]) -> tuple[int, ColumnProfile]:
    truth = len(set(values.tolist() if isinstance(values, np.ndarray) else values))
    return truth, profiles(pa.table({"x": values}))["x"]


@pytest.mark.parametrize(
    "case",
    [
        "unique sorted",
        "unique shuffled",
        "unique text",
        "50 values",
        "5000 values",
        "50000 values",
        "runs of 1000",
        "cyclic 4096",
        "integers as floats",
        "halves",
        "money amounts",
    ],
)
def test_distinct_is_within_ten_percent_for_large_columns(case: str) -> None:
    rng = np.random.default_rng(7)
    values = {
        "unique sorted": lambda: np.arange(LARGE),
        "unique shuffled": lambda: rng.permutation(LARGE),
        "unique text": lambda: [f"aanvraag-{i}" for i in rng.permutation(LARGE)],
        "50 values": lambda: rng.integers(0, 50, LARGE),
        "5000 values": lambda: rng.integers(0, 5_000, LARGE),
        "50000 values": lambda: rng.integers(0, 50_000, LARGE),
        "runs of 1000": lambda: np.repeat(np.arange(LARGE // 1_000), 1_000),
        "cyclic 4096": lambda: np.arange(LARGE) % 4_096,
        "integers as floats": lambda: rng.integers(0, 50_000, LARGE).astype(float),
        "halves": lambda: rng.integers(0, 5_000, LARGE) / 2,
        "money amounts": lambda: rng.lognormal(10, 0.5, LARGE).round(2),
    }[case]()
    truth, p = _estimate(values)
    assert p.distinct is not None
    if not p.distinct_estimated:  # text, and numbers whose sample shows few values, are counted exactly
        assert p.distinct == truth
    assert abs(p.distinct - truth) <= 0.10 * truth, (p.distinct, truth)


def test_distinct_estimate_for_sorted_column_with_short_runs() -> None:
    truth, p = _estimate(np.repeat(np.arange(LARGE // 4), 4))
    assert abs(p.distinct - truth) <= 0.10 * truth, (p.distinct, truth)


def test_distinct_estimate_for_uniform_high_cardinality_column() -> None:
    truth, p = _estimate(np.random.default_rng(0).integers(0, 150_000, LARGE))
    assert abs(p.distinct - truth) <= 0.10 * truth, (p.distinct, truth)


def test_values_occurring_fewer_than_the_minimum_count_are_never_kept() -> None:
    values = ["huur"] * 40 + ["zorg"] * 12 + ["kind"] * 9 + ["Qwerty-ZELDZAAM"] * 2 + ["uniek-1", "uniek-2"]
    frame = pd.DataFrame({"regeling": values, "n": [1] * 40 + [2] * 12 + [3] * 13})
    limited = profiles(frame, min_count=10)
    assert [(v.value, v.count) for v in limited["regeling"].top_values] == [("huur", 40), ("zorg", 12)]
    assert limited["regeling"].suppressed_values == 4
    assert limited["regeling"].distinct == 6  # the count of distinct values is kept, not the values
    assert [(v.value, v.count) for v in limited["n"].top_values] == [(1, 40), (3, 13), (2, 12)]
    assert limited["n"].suppressed_values == 0
    assert "ZELDZAAM" not in "".join(p.model_dump_json() for p in limited.values())
    assert profile_table(to_arrow(frame)) == list(limited.values())  # 10 is the default


def test_every_value_rare_means_no_top_values() -> None:
    p = profiles(pd.DataFrame({"x": [f"v{i % 30}" for i in range(90)]}), min_count=10)["x"]
    assert p.top_values == [] and p.suppressed_values == 30 and p.distinct == 30


def test_a_capture_profiles_in_its_one_pass_what_profile_table_gives() -> None:
    """The pass that hashes the cells for the multiset fingerprint profiles them too (its HyperLogLog reads those
    hashes): the same profile as `profile_table`, estimates included, and withheld columns keep type and nulls."""
    from uitlegbaar.capture.datasets import measure

    rng = np.random.default_rng(8)
    rows = EXACT_DISTINCT_MAX_ROWS + 20_000
    bedrag = rng.normal(size=rows)
    bedrag[::500] = np.nan
    frame = pd.DataFrame(
        {
            "bedrag": bedrag,
            "code": rng.integers(0, 10**9, rows),
            "klasse": rng.integers(0, 5, rows),
            "plaats": rng.choice(np.array(["Assen", "Ede", None], dtype=object), rows),
        }
    )
    table = to_arrow(frame)
    measured = measure(table, (), 10)
    assert measured.profile(set()) == profile_table(table)
    assert measured.profile({"plaats"}) == profile_table(table, personal={"plaats"})
    estimated = {p.name for p in profile_table(table) if p.distinct_estimated}
    assert estimated == {"bedrag", "code"}
