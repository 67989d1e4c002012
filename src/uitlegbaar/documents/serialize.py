"""How uitlegbaar writes data documents: JSON indented in UTF-8, YAML in document order."""

from __future__ import annotations

import json
from typing import Any


def json_bytes(data: Any) -> bytes:
    """JSON as every JSON document of uitlegbaar is written: indented, UTF-8, a newline at the end."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def yaml_text(data: Any) -> str:
    """YAML in the order the document gives, non-ASCII kept as it is."""
    import yaml

    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return text
