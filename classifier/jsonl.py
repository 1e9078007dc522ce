"""Tagging and evaluating JSON-lines files of one's own, streamed in batches.

Input lines are JSON objects with ``title``, optional ``summary`` and ``lang`` (detected when
missing); every other key passes through untouched. A bad line is reported with its line
number and skipped; the good lines are still processed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from classifier.model import Item
from classifier.training import LANGS
from model.topics import Classification


@dataclass(frozen=True)
class Line:
    """One good input line: its number, the decoded object and the item to classify."""

    number: int
    record: dict[str, Any]
    item: Item
    gold: frozenset[str] = frozenset()


@dataclass
class LineErrors:
    """Bad lines met so far, each as ``line N: reason``."""

    messages: list[str] = field(default_factory=list)

    def add(self, number: int, reason: str) -> None:
        self.messages.append(f"line {number}: {reason}")


def parse_line(number: int, text: str, *, gold_topics: Sequence[str] | None = None) -> Line | str:
    """A :class:`Line`, or the reason the line is bad.

    With ``gold_topics`` the line must also carry ``labels``: a list of those topic keys.
    """
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return "expected a JSON object"
    title = record.get("title")
    if not isinstance(title, str) or not title.strip():
        return "'title' must be a non-empty string"
    summary = record.get("summary", "")
    if summary is None:
        summary = ""
    if not isinstance(summary, str):
        return "'summary' must be a string"
    lang = record.get("lang", "")
    if lang is None:
        lang = ""
    if lang not in ("", *LANGS):
        return f"'lang' must be one of {', '.join(LANGS)} (or left out to detect it)"
    gold: frozenset[str] = frozenset()
    if gold_topics is not None:
        labels = record.get("labels")
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            return "'labels' must be a list of topic keys"
        unknown = sorted(set(labels) - set(gold_topics))
        if unknown:
            return f"unknown topic {', '.join(unknown)}"
        gold = frozenset(labels)
    return Line(number, record, Item(title, summary, lang), gold)


def read_lines(
    stream: Iterable[str],
    errors: LineErrors,
    *,
    gold_topics: Sequence[str] | None = None,
    batch_size: int = 32,
) -> Iterator[list[Line]]:
    """Good lines in batches; bad lines go to ``errors``. Blank lines are skipped."""
    batch: list[Line] = []
    for number, text in enumerate(stream, 1):
        if not text.strip():
            continue
        parsed = parse_line(number, text, gold_topics=gold_topics)
        if isinstance(parsed, str):
            errors.add(number, parsed)
            continue
        batch.append(parsed)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def tagged_record(line: Line, result: Classification, topics: Sequence[str]) -> dict[str, Any]:
    """The input object with ``labels`` and ``scores`` (every topic, in [0, 1]) added."""
    scores = {t: round(min(max(result.scores.get(t, 0.0), 0.0), 1.0), 4) for t in topics}
    return {**line.record, "labels": list(result.labels), "scores": scores}


def tag_stream(
    source: Iterable[str],
    out: TextIO,
    classify: Callable[[Sequence[Item]], list[Classification]],
    topics: Sequence[str],
    *,
    batch_size: int = 32,
) -> tuple[int, LineErrors]:
    """Tag every good line of ``source`` onto ``out``; returns lines written and the errors."""
    errors = LineErrors()
    written = 0
    for batch in read_lines(source, errors, batch_size=batch_size):
        for line, result in zip(batch, classify([x.item for x in batch]), strict=True):
            out.write(json.dumps(tagged_record(line, result, topics), ensure_ascii=False) + "\n")
            written += 1
    return written, errors
