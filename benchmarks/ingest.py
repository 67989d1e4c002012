"""Ingest benchmark: read, validate, deduplicate and plan 10,000 register entries from many teams.

    python benchmarks/ingest.py            # 10,000 entries (the target) and 1,000
    python benchmarks/ingest.py --quick    # 1,000 entries

The entries are full standard-1.0 entries (every field filled, HTML in the rich-text fields), written
as 20 teams' JSON files plus one team's CSV export; the register's current content is its CSV export
holding 90% of them, a tenth of those changed. The table shows the time of `read + plan` (what
`uitlegbaar ingest` does before printing) next to the time of only reading the files, and the plan's
counts. Target: 10,000 entries in under 30 s. Generating the files is not timed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from common import Row, fmt_ratio, fmt_time, note, print_table, timed, verdict

TARGET_S = 30.0
TARGET_ENTRIES = 10_000
TEAMS = 20
THEMES = ("Sociale zekerheid", "Werk", "Verkeer", "Wonen", "Zorg en gezondheid", "Recht")


def entry(n: int) -> dict[str, Any]:
    """A full entry, different in every field from its neighbours."""
    organization = f"Gemeente Voorbeeld {n % 40}"
    words = " ".join(f"woord{(n * 7 + k) % 997}" for k in range(60))
    return {
        "name": f"Selecteren van aanvragen {n}",
        "description_short": f"Het algoritme {n} schat welke aanvragen een heronderzoek nodig hebben. {words[:250]}",
        "organization": organization,
        "category": [THEMES[n % len(THEMES)], THEMES[(n + 1) % len(THEMES)]],
        "status": "In gebruik",
        "begin_date": f"20{10 + n % 15}-0{1 + n % 9}",
        "contact_email": f"algoritmes@voorbeeld{n % 40}.nl",
        "website": f"https://www.voorbeeld{n % 40}.nl/algoritmes/{n}",
        "publication_category": "Impactvolle algoritmes",
        "goal": f"<p>Het doel van algoritme {n} is medewerkers te helpen. {words}</p>",
        "proportionality": f"<p>Afwegingen {n}: {words}</p><ul><li>voordeel</li><li>nadeel</li></ul>",
        "human_intervention": f"<p>Een medewerker beslist altijd zelf ({n}).</p>",
        "risks": f"<ul><li>Risico op ongelijke behandeling {n}</li><li>Maatregel: monitoring</li></ul>",
        "lawful_basis": f"<p>Participatiewet, artikel {n % 80}.</p>",
        "lawful_basis_grouping": [{"title": "Participatiewet", "link": "https://wetten.overheid.nl/BWBR0015703"}],
        "impacttoetsen_grouping": [{"title": "Data Protection Impact Assessment (DPIA)"}],
        "source_data": f"<p>Aanvraaggegevens (persoonsgegevens: bsn) {n}. {words}</p>",
        "source_data_grouping": [{"title": f"Aanvragen {n}", "link": f"https://data.voorbeeld.nl/aanvragen/{n}"}],
        "methods_and_models": f"<p>Logistische regressie. Het model is niet zelflerend. {words} {words}</p>",
        "provider": "Intern ontwikkeld",
        "lang": "nld",
        "standard_version": "1.0",
        "source_id": f"ML-{n:06d}",
        "tags": "toeslagen, heronderzoek, machine learning",
    }


def generate(folder: Path, size: int) -> tuple[list[Path], Path]:
    """The teams' files (20 JSON files, one CSV) and the register's CSV export."""
    from uitlegbaar.documents.register import to_csv

    entries = [entry(n) for n in range(size)]
    submitted = folder / "teams"
    submitted.mkdir()
    csv_team = entries[: size // 10]
    (submitted / "team-csv.csv").write_bytes(to_csv(csv_team))
    rest = entries[size // 10 :]
    for t in range(TEAMS):
        part = rest[t::TEAMS]
        (submitted / f"team-{t:02d}.json").write_text(json.dumps(part, ensure_ascii=False), encoding="utf-8")
    registered = []
    for n, e in enumerate(entries[: size * 9 // 10]):
        old = dict(e, lars=f"{10_000_000 + n}")
        if n % 10 == 0:
            old["status"] = "In ontwikkeling"
            old["goal"] = "<p>Een oudere omschrijving.</p>"
        registered.append(old)
    registered += [dict(entry(size + n), lars=f"{20_000_000 + n}") for n in range(size // 100)]  # withdrawn
    export = folder / "register-export.csv"
    export.write_bytes(to_csv(registered))
    return [submitted], export


def main() -> int:
    parser = argparse.ArgumentParser(description="uitlegbaar ingest benchmark")
    parser.add_argument("--quick", action="store_true", help="1,000 entries only")
    args = parser.parse_args()
    from uitlegbaar.registry.ingest import make_plan
    from uitlegbaar.registry.sources import read_entries

    sizes = (1_000,) if args.quick else (1_000, TARGET_ENTRIES)
    rows: list[Row] = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="uitlegbaar-ingest-") as tmp:
            note(f"generating {size:,} entries")
            paths, export = generate(Path(tmp), size)
            note(f"ingesting {size:,} entries")
            read_s, _ = timed(lambda: (read_entries(paths), read_entries([export])))  # noqa: B023 (called here)
            seconds, plan = timed(lambda: make_plan(read_entries(paths), read_entries([export])))  # noqa: B023
            counts = plan.counts()
            at_target = size == TARGET_ENTRIES
            shown = ", ".join(f"{counts[k]:,} {k}" for k in ("new", "changed", "unchanged", "withdrawn", "rejected"))
            rows.append(
                Row(
                    f"read + validate + plan, {size:,} entries ({shown})",
                    fmt_time(seconds),
                    f"read only {fmt_time(read_s)}",
                    fmt_ratio(seconds, read_s),
                    "< 30 s" if at_target else "—",
                    verdict(seconds < TARGET_S and plan.ok) if at_target else "info",
                )
            )
    print_table(rows, "uitlegbaar ingest benchmark (teams' entries against the register's export)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
