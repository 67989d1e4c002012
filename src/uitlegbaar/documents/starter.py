"""The commented starter `uitlegbaar.yaml` that `uitlegbaar init` writes."""

from __future__ import annotations

import json

from uitlegbaar.documents.i18n import label
from uitlegbaar.evidence.declaration import STARTER_FIELDS


def starter(values: dict[str, str] | None = None) -> str:
    """A commented `uitlegbaar.yaml`: every key with its Dutch label and a hint; given values filled in."""
    given = values or {}
    lines = [
        "# uitlegbaar.yaml — what people declare about this algorithm. uitlegbaar never overwrites it.",
        "# Keys follow the Algoritmeregister (publication standard 1.0); the Dutch label is beside each key.",
        "# Leave a key empty (~) until you know; `uitlegbaar card latest` lists what is still missing.",
        "",
    ]
    for key, hint in STARTER_FIELDS:
        value = given.get(key)
        rendered = json.dumps(value, ensure_ascii=False) if value else "~"
        lines.append(f"# {label(key, 'nl')} — {hint}")
        lines.append(f"{key}: {rendered}")
        lines.append("")
    return "\n".join(lines)
