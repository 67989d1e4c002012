"""The encoded Algoritmekader equals the task registry it was taken from (../shared/standards): an update of the
registry fails here until `standards/algoritmekader.py` is brought in line."""

from __future__ import annotations

import ast
import csv
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import ROOT
from uitlegbaar.standards import algoritmekader as ak

AK = ROOT.parent / "shared" / "standards" / "transparency" / "algoritmekader"
REGISTRY = AK / "task-registry"


def _registry(*parts: str) -> Path:
    path = REGISTRY.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (../shared/standards/transparency/algoritmekader)")
    return path


def _files(kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(f.stem, yaml.safe_load(f.read_text(encoding="utf-8"))) for f in sorted(_registry(kind).glob("*.yaml"))]


def _words(text: str) -> str:
    return " ".join(str(text).split())


def test_the_requirements_are_the_registry_s_with_title_link_and_applicability() -> None:
    files = _files("requirements")
    assert len(ak.REQUIREMENTS) == len(files) == 63
    for encoded, (_, d) in zip(ak.REQUIREMENTS, files, strict=True):
        assert encoded.urn == d["urn"] and encoded.name == _words(d["name"]) and encoded.url == d["url"]
        assert encoded.always_applicable == bool(d["always_applicable"]), encoded.urn
        profile = d["ai_act_profile"][0] if d.get("ai_act_profile") else {}
        assert encoded.profile == {k: tuple(v) for k, v in profile.items() if v}, encoded.urn
        assert encoded.lifecycle == tuple(d["lifecycle"]) and encoded.measures == tuple(d.get("links") or ())


def test_the_measures_are_the_registry_s_including_the_urns_it_gives_twice() -> None:
    files = _files("measures")
    assert len(ak.MEASURES) == len(files) == 105
    assert len({m.urn for m in ak.MEASURES}) == 102  # owp-11, owk-09, mon-05 name two files each
    for encoded, (stem, d) in zip(ak.MEASURES, files, strict=True):
        assert (encoded.file, encoded.urn, encoded.name, encoded.url) == (stem, d["urn"], _words(d["name"]), d["url"])
        assert encoded.lifecycle == tuple(d["lifecycle"]) and encoded.roles == tuple(d.get("suggested_roles") or ())
        assert encoded.requirements == tuple(d.get("links") or ())


@pytest.mark.parametrize(
    ("name", "urn", "tasks"),
    [
        ("technical_docs_for_high_risk_ai", ak.TECHNICAL_DOCUMENTATION_URN, ak.TECHNICAL_DOCUMENTATION),
        ("iama", ak.IAMA_URN, ak.IAMA),
    ],
)
def test_the_instrument_questions_are_the_registry_s(name: str, urn: str, tasks: tuple[ak.Task, ...]) -> None:
    d = yaml.safe_load(_registry("instruments", f"{name}.yaml").read_text(encoding="utf-8"))
    assert d["urn"] == urn
    assert [(t.urn, t.question) for t in tasks] == [(t["urn"], _words(t["question"])) for t in d["tasks"]]


def test_the_lifecycle_phases_are_the_registry_s_and_every_item_names_one() -> None:
    phases = yaml.safe_load(_registry("lifecycles", "lifecycles.yaml").read_text(encoding="utf-8"))["lifecycles"]
    assert list(ak.LIFECYCLE) == phases
    slugs = {ak.phase_slug(p) for p in phases}
    assert all(set(i.lifecycle) <= slugs for i in (*ak.REQUIREMENTS, *ak.MEASURES))


def test_the_adr_and_ark_controls_map_to_measures_as_the_algoritmekader_team_mapped_them() -> None:
    _registry()
    with (AK / "relatie-ak-tot-toetsingskaders.csv").open(encoding="utf-8") as fh:
        rows = [(r["bron"], r["nummer"], tuple(ast.literal_eval(r["maatregelen-ak"]))) for r in csv.DictReader(fh)]
    with (AK / "maatregelen-adr-ark.csv").open(encoding="utf-8") as fh:
        texts = {r["nummer"]: _words(r["maatregel"]) for r in csv.DictReader(fh, delimiter=";")}
    assert [(c.source, c.number, c.measures) for c in ak.CONTROLS] == rows
    assert all(c.text == texts[c.number] for c in ak.CONTROLS)
    assert {c.number.split(".")[0] for c in ak.CONTROLS if c.source == "ADR"} == {"SV", "PRI", "DM", "IB"}
