"""Capture of undeclared personal data: suspected columns are withheld like declared ones, one warning and a gap
per dataset ask to confirm or clear them, `personal`/`not_personal` do that, the small-cell limit holds for every
column, and a column derived from personal data (`@ub.step(derived_from=...)`) is personal down to the model."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

import uitlegbaar as ub
import uitlegbaar.capture.personal
import uitlegbaar.capture.settings
from people import PERSONAL, personal_frame
from uitlegbaar.capture.fingerprint import fingerprint_table
from uitlegbaar.capture.tables import to_arrow
from uitlegbaar.evidence.records import DatasetRecord, GapRecord, ModelRecord, Record, StepRecord
from uitlegbaar.store import LocalStore

SUSPECTED = [f"kolom_{kind}" for kind in PERSONAL]


def records(store: Path, run_id: str) -> list[Record]:
    return LocalStore.open(store).load(run_id)


def of(kind: type[Any], items: list[Record]) -> list[Any]:
    return [r for r in items if isinstance(r, kind)]


def people(rows: int = 300) -> pd.DataFrame:
    """Undeclared personal columns, and two that are not personal: a scheme with one rare value, and a count."""
    rng = np.random.default_rng(1)
    schemes = ["huurtoeslag"] * (rows // 2) + ["zorgtoeslag"] * (rows - rows // 2 - 3) + ["ZELDZAAM-Q7"] * 3
    return personal_frame(rows).assign(regeling=rng.permutation(schemes), kinderen=rng.integers(0, 4, rows))


def test_undeclared_personal_columns_are_withheld_and_one_warning_asks_to_confirm(store: Path) -> None:
    frame = people()
    with pytest.warns(ub.UitlegbaarWarning) as caught, ub.run() as run:
        ub.record_dataset(frame, name="klanten")
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "'klanten'" in message and "personal=[" in message and "not_personal=[" in message
    assert all(c in message for c in SUSPECTED)

    found = records(store, run.id)
    dataset = of(DatasetRecord, found)[0]
    assert dataset.privacy is not None
    assert dataset.privacy.suspected == SUSPECTED
    assert {f.column: f.kind for f in dataset.privacy.findings} == {f"kolom_{k}": k for k in PERSONAL}
    assert dataset.privacy.declared == [] and dataset.privacy.cleared == []
    assert dataset.personal == sorted(SUSPECTED)
    profile = {p.name: p for p in dataset.profile}
    for column in SUSPECTED:
        assert profile[column].personal and profile[column].top_values == [] and profile[column].distinct is None
        assert column not in dataset.fingerprint.columns
    assert dataset.fingerprint.digest == fingerprint_table(to_arrow(frame)).digest  # the fingerprint covers all
    assert profile["regeling"].top_values and profile["kinderen"].top_values  # the others are profiled

    (gap,) = of(GapRecord, found)
    assert gap.error_type == "undeclared personal data" and "klanten" in gap.what
    assert all(c in gap.message for c in SUSPECTED)


def test_personal_confirms_and_not_personal_clears(store: Path) -> None:
    frame = people()
    with ub.run() as run:  # no warning: every suspicion is answered (warnings are errors in this suite)
        ub.record_dataset(
            frame,
            name="klanten",
            personal=[c for c in SUSPECTED if c != "kolom_free_text"],
            not_personal=["kolom_free_text"],
        )
    (dataset,) = of(DatasetRecord, records(store, run.id))
    assert dataset.privacy.suspected == [] and dataset.privacy.findings == []
    assert dataset.privacy.cleared == ["kolom_free_text"]
    assert dataset.privacy.declared == sorted(c for c in SUSPECTED if c != "kolom_free_text")
    profile = {p.name: p for p in dataset.profile}
    assert not profile["kolom_free_text"].personal and profile["kolom_free_text"].distinct == len(frame)
    assert "kolom_free_text" in dataset.fingerprint.columns
    assert of(GapRecord, records(store, run.id)) == []


def test_personal_and_not_personal_may_not_name_the_same_column() -> None:
    with pytest.raises(ub.ConfigurationError, match="both name kolom_bsn"):
        ub.dataset(personal=["kolom_bsn"], not_personal=["kolom_bsn"])
    with pytest.raises(ub.ConfigurationError, match="not_personal= takes a list"):
        ub.record_dataset(people(), name="x", not_personal="kolom_bsn")


def test_a_suspicion_carries_through_the_run_without_a_second_warning(store: Path) -> None:
    frame = people()

    @ub.dataset(name="klanten")
    def load() -> pd.DataFrame:
        return frame

    @ub.step
    def select(df: pd.DataFrame) -> pd.DataFrame:
        return df[["kolom_email", "kolom_name", "regeling", "kinderen"]].rename(columns={"kolom_name": "wie"})

    with pytest.warns(ub.UitlegbaarWarning) as caught, ub.run() as run:
        select(load())
    assert len(caught) == 1  # the source's; the step's tables hold nothing new
    output = of(DatasetRecord, records(store, run.id))[-1]
    assert output.personal == ["kolom_email", "wie"]  # by name, and the renamed copy by its content
    assert output.privacy.suspected == []


def test_a_step_that_makes_a_personal_column_is_asked_about_it_and_can_answer(store: Path) -> None:
    frame = people()[["regeling", "kinderen"]]
    mails = personal_frame(len(frame))["kolom_email"]

    @ub.step
    def enrich(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(contact=mails.to_numpy())

    @ub.step(not_personal=["contact"])
    def enrich_cleared(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(contact=mails.to_numpy())

    with pytest.warns(ub.UitlegbaarWarning, match=r"enrich\.output'"), ub.run():
        enrich(frame)
    with ub.run() as run:
        enrich_cleared(frame)
    assert of(DatasetRecord, records(store, run.id))[-1].privacy.cleared == ["contact"]


def test_a_failing_screening_withholds_the_table_and_training_goes_on(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("screening kapot")

    monkeypatch.setattr(uitlegbaar.capture.personal, "screen_table", broken)
    frame = people()

    @ub.dataset(name="klanten")
    def load() -> pd.DataFrame:
        return frame

    with pytest.warns(ub.UitlegbaarWarning, match="screening kapot") as caught, ub.run() as run:
        assert load() is frame
    assert len(caught) == 1
    found = records(store, run.id)
    (dataset,) = of(DatasetRecord, found)
    assert {f.kind for f in dataset.privacy.findings} == {"unscreened"}
    assert set(dataset.privacy.suspected) == set(frame.columns)  # text and integers alike
    assert all(p.top_values == [] for p in dataset.profile)
    assert "screening" in of(GapRecord, found)[0].what

    ub.configure(strict=True)
    with pytest.raises(ub.CaptureError, match="screening kapot"), ub.run():
        load()


def test_the_small_cell_limit_is_configurable(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = people()[["regeling", "kinderen"]]

    def shown(run_id: str) -> list[Any]:
        profile = of(DatasetRecord, records(store, run_id))[-1].profile
        return [v.value for v in profile[0].top_values]

    with ub.run() as default:
        ub.record_dataset(frame, name="regelingen")
    assert shown(default.id) == ["huurtoeslag", "zorgtoeslag"]
    assert of(DatasetRecord, records(store, default.id))[0].privacy.min_cell_count == 10
    ub.configure(min_cell_count=3)
    with ub.run() as configured:
        ub.record_dataset(frame, name="regelingen")
    assert shown(configured.id) == ["huurtoeslag", "zorgtoeslag", "ZELDZAAM-Q7"]
    uitlegbaar.capture.settings.reset()
    ub.configure(store=store)
    monkeypatch.setenv("UITLEGBAAR_MIN_CELL_COUNT", "200")
    with ub.run() as environment:
        ub.record_dataset(frame, name="regelingen")
    assert shown(environment.id) == []
    with pytest.raises(ub.ConfigurationError, match="min_cell_count"):
        ub.configure(min_cell_count=0)


# ---------------------------------------------------------------- derived from personal data


def applicants(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    born = pd.Timestamp("2026-01-01") - pd.to_timedelta(rng.integers(18 * 365, 85 * 365, rows), unit="D")
    return pd.DataFrame(
        {
            "geboortedatum": born.date.astype(str),
            "gemeente": rng.choice(["Zwolle", "Utrecht", "Den Haag"], rows),
            "inkomen": rng.lognormal(10, 0.4, rows),
            "label": rng.integers(0, 2, rows),
        }
    )


def test_a_column_derived_from_personal_data_is_personal_down_to_the_model(store: Path) -> None:
    @ub.dataset(name="aanvragen", personal=["geboortedatum"])
    def load() -> pd.DataFrame:
        return applicants()

    @ub.step(derived_from={"leeftijd": ["geboortedatum"]})
    def ages(df: pd.DataFrame) -> pd.DataFrame:
        age = (pd.Timestamp("2026-01-01") - pd.to_datetime(df["geboortedatum"])).dt.days // 365
        return df.assign(leeftijd=age).drop(columns="geboortedatum")

    @ub.step(derived_from={"leeftijdsgroep": ["leeftijd"], "rijk": ["inkomen"]})
    def groups(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(leeftijdsgroep=(df["leeftijd"] // 20).astype(str), rijk=df["inkomen"] > 30_000)

    @ub.train(model="m")
    def fit(X: pd.DataFrame, y: pd.Series) -> Pipeline:
        encode = ColumnTransformer([("onehot", OneHotEncoder(), ["leeftijdsgroep"])], remainder="passthrough")
        return Pipeline([("features", encode), ("model", DecisionTreeClassifier(max_depth=3))]).fit(X, y)

    with ub.run() as run:
        data = groups(ages(load()))
        fit(data[["leeftijdsgroep", "leeftijd", "inkomen", "rijk"]], data["label"])
    found = records(store, run.id)
    steps = of(StepRecord, found)
    assert steps[0].derived_from == {"leeftijd": ["geboortedatum"]}
    assert steps[1].derived_from == {"leeftijdsgroep": ["leeftijd"], "rijk": ["inkomen"]}
    last = next(d for d in of(DatasetRecord, found) if d.name == "m.X")
    assert last.privacy.derived_from == {"leeftijd": ["geboortedatum"], "leeftijdsgroep": ["geboortedatum"]}
    assert {"leeftijd", "leeftijdsgroep"} <= set(last.personal) and "rijk" not in last.personal
    assert next(p for p in last.profile if p.name == "leeftijd").personal
    inputs = {i.name: i for i in of(ModelRecord, found)[0].inputs}
    age = next(i for name, i in inputs.items() if name.endswith("leeftijd"))
    assert age.personal and age.derived_from == ["geboortedatum"]
    assert all(i.personal and i.derived_from == ["geboortedatum"] for n, i in inputs.items() if "leeftijdsgroep" in n)
    assert not next(i for n, i in inputs.items() if n.endswith("rijk")).personal  # derived, not from personal data


def test_derived_from_is_checked(store: Path) -> None:
    with pytest.raises(ub.ConfigurationError, match="list of column names"):
        ub.step(derived_from={"leeftijd": "geboortedatum"})
    with pytest.raises(ub.ConfigurationError, match="mapping"):
        ub.step(derived_from=["leeftijd"])  # type: ignore[arg-type]

    @ub.step(derived_from={"leeftijd": ["geboortedatum"]})
    def forgets(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with pytest.warns(ub.UitlegbaarWarning, match="derived_from names 'leeftijd'"), ub.run():
        forgets(applicants()[["gemeente"]])


def test_no_warning_for_a_plain_table(store: Path) -> None:
    frame = pd.DataFrame({"x": np.arange(500), "y": np.random.default_rng(0).normal(size=500)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ub.run():
            ub.record_dataset(frame, name="getallen")


def test_the_validators_load_only_when_a_table_is_screened() -> None:
    code = (
        "import sys, uitlegbaar as ub, uitlegbaar.capture.datasets; "
        "print(sorted(m for m in ('stdnum', 'phonenumbers', 'email_validator') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
