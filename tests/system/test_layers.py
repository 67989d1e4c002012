"""The package's folders are layers, and each imports only those below it (docs/architecture.md). Read from the
source with `ast`, every import counted, also those inside functions and under TYPE_CHECKING."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

SRC = ROOT / "src" / "uitlegbaar"
FLOOR = {"errors", "files", "standards", "_version", "progress"}
# layer → the layers (besides itself and the floor) it may import
ALLOWED: dict[str, set[str]] = {
    "evidence": set(),
    "analysis": {"evidence"},
    "store": {"evidence"},
    "capture": {"evidence", "analysis", "store", "integrations.sklearn", "integrations.models"},
    "documents": {"evidence", "analysis"},
    "gates": {"evidence", "analysis", "documents"},
    "pipeline": {"evidence", "analysis", "store", "capture", "documents", "gates"},
    "attest": {"evidence", "analysis", "store", "documents", "gates", "pipeline"},
    "registry": {"evidence", "analysis", "store", "capture", "documents", "gates", "pipeline", "attest"},
}


def imported(path: Path) -> set[str]:
    """The `uitlegbaar.*` modules a file imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {name for name in found if name.startswith("uitlegbaar.")}


def layer_of(module: str) -> str:
    parts = module.split(".")[1:]
    if parts[:2] in (["integrations", "sklearn"], ["integrations", "models"]):
        return f"integrations.{parts[1]}"
    return parts[0] if parts else ""


def test_every_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        layer = relative.parts[0].removesuffix(".py")
        if layer not in ALLOWED:
            continue
        for module in sorted(imported(path)):
            target = layer_of(module)
            if target in FLOOR or target == layer or target in ALLOWED[layer]:
                continue
            if module in ("uitlegbaar.errors", "uitlegbaar._version"):
                continue
            wrong.append(f"{relative} imports {module}")
    assert wrong == []


def test_the_floor_and_the_sklearn_adapter_import_nothing_above_them() -> None:
    for path in [*(SRC / name for name in ("errors.py", "files.py", "_version.py")), *(SRC / "standards").glob("*.py")]:
        assert {layer_of(m) for m in imported(path)} <= FLOOR, path
    assert imported(ROOT / "integrations" / "sklearn.py") == set()


def test_capture_reaches_no_integration_but_the_model_adapters() -> None:
    for path in (SRC / "capture").glob("*.py"):
        reached = {layer_of(m) for m in imported(path) if m.startswith("uitlegbaar.integrations")}
        assert reached <= {"integrations.sklearn", "integrations.models"}, path


def test_the_model_adapters_import_only_what_they_return_and_each_other() -> None:
    """integrations/models/ sits between analysis and capture: it returns analysis views and evidence records."""
    for path in (ROOT / "integrations" / "models").glob("*.py"):
        assert {layer_of(m) for m in imported(path)} <= {
            *FLOOR,
            "evidence",
            "analysis",
            "integrations.models",
            "integrations.sklearn",
        }, path


def test_importing_the_adapters_imports_no_model_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, uitlegbaar.integrations.models as m; m.adapter_for(object());"
        "print(sorted({'sklearn','xgboost','lightgbm','catboost','statsmodels','torch','keras','transformers'}"
        " & set(sys.modules)))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
