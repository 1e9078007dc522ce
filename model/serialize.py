"""Documents as plain JSON-ready dictionaries (dates in ISO 8601). Pure, no I/O."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from model.document import Document


def to_plain(value: Any) -> Any:
    """Dataclasses, dates and sets turned into JSON-ready dicts, strings and lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def document_to_dict(doc: Document) -> dict[str, Any]:
    """Every field of a document, attachments and versions included, JSON-ready."""
    data: dict[str, Any] = to_plain(doc)
    return data
