"""Write every document the README example produces, from one store, into one folder.

Used to prove that a refactoring changes no document: run the example twice into a store (so the second
run has a previous version to compare with), snapshot with the old code, snapshot with the new code from
the same store, and compare the folders byte for byte:

    python tests/document_snapshot.py --make-store /tmp/snap-store
    python tests/document_snapshot.py --store /tmp/snap-store -o /tmp/before
    # ... change the code ...
    python tests/document_snapshot.py --store /tmp/snap-store -o /tmp/after
    diff -r /tmp/before /tmp/after

Each document is made by the `uitlegbaar` command line, as a user would make it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECLARATION = ROOT / "examples" / "uitlegbaar.yaml"

# (file name, arguments after `uitlegbaar`); `{out}` is the file to write, else standard output is kept
DOCUMENTS: list[tuple[str, list[str]]] = [
    *[
        (f"card.{lang}.{fmt}", ["card", "latest", "--format", fmt, "--lang", lang])
        for fmt in ("md", "html", "json")
        for lang in ("en", "nl")
    ],
    ("card.first.md", ["card", "latest~1", "--format", "md"]),
    ("register.json", ["register", "latest"]),
    ("register.csv", ["register", "latest", "--format", "csv"]),
    ("systemcard.yaml", ["systemcard", "latest", "-o", "{out}"]),
    *[
        (f"export.{fmt}.json", ["export", "latest", "--to", fmt, "-o", "{out}"])
        for fmt in ("cyclonedx", "openlineage", "spdx", "croissant")
    ],
    *[(f"lineage.{fmt}", ["lineage", "latest", "--format", fmt]) for fmt in ("text", "mermaid", "dot", "html")],
    ("check.json", ["check", "latest", "--require", "algoritmeregister,ai-act-annex-iv,iama,ark", "--json"]),
    ("diff.json", ["diff", "latest~1", "latest", "--json"]),
    ("diff.txt", ["diff", "latest~1", "latest"]),
]
NEEDS_DECLARATION = {"card", "register", "systemcard", "export", "check"}


def make_store(store: Path) -> None:
    """Two runs of the example pipeline (different sizes, so the second has changes to show)."""
    env = {**os.environ, "UITLEGBAAR_STORE": str(store)}
    for rows in ("3000", "4000"):
        subprocess.run(
            [sys.executable, str(ROOT / "examples" / "toeslagen_pipeline.py"), "--rows", rows], env=env, check=True
        )


def snapshot(store: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "UITLEGBAAR_STORE": str(store), "COLUMNS": "200"}
    for name, args in DOCUMENTS:
        target = out / name
        writes_file = "{out}" in args
        args = [str(target) if a == "{out}" else a for a in args]
        if args[0] in NEEDS_DECLARATION:
            args += ["--declaration", str(DECLARATION)]
        done = subprocess.run(["uitlegbaar", *args], env=env, capture_output=True, cwd=out)
        if not writes_file:
            target.write_bytes(done.stdout)
        (out / f"{name}.exit").write_text(f"{done.returncode}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="the store to compile from")
    parser.add_argument("--make-store", type=Path, help="run the example twice into this store")
    parser.add_argument("-o", "--output", type=Path, help="the folder to write the documents to")
    options = parser.parse_args()
    if options.make_store:
        make_store(options.make_store)
    if options.output:
        snapshot(options.store or options.make_store, options.output)


if __name__ == "__main__":
    main()
