"""What changed between two versions of a document's text, as runs an HTML template can mark."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_SENTENCE_END = re.compile(r"(?<=[。！？；\n])")


@dataclass(frozen=True)
class Run:
    """A piece of text that both versions share (``same``), or that one added or removed."""

    kind: str  # "same", "added" or "removed"
    text: str


def sentences(text: str) -> list[str]:
    """Chinese text cut after each sentence end (。！？；) and line break, nothing lost."""
    return [s for s in _SENTENCE_END.split(text) if s]


def diff_runs(before: str, after: str, *, context: int = 1) -> list[Run]:
    """Sentence-level changes from ``before`` to ``after``; long unchanged stretches folded.

    Unchanged stretches keep ``context`` sentences on each side of a change; the rest becomes
    a single ``same`` run of "…".
    """
    old, new = sentences(before), sentences(after)
    runs: list[Run] = []
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for at, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            last = at == len(opcodes) - 1
            runs.extend(_folded(old[i1:i2], context, first=not runs, last=last))
            continue
        if i2 > i1:
            runs.append(Run("removed", "".join(old[i1:i2])))
        if j2 > j1:
            runs.append(Run("added", "".join(new[j1:j2])))
    return runs


def _folded(same: list[str], context: int, *, first: bool, last: bool) -> list[Run]:
    head = 0 if first else context
    tail = 0 if last else context
    if len(same) <= head + tail + 1:
        return [Run("same", "".join(same))]
    runs = [Run("same", "".join(same[:head]))] if head else []
    runs.append(Run("same", " … "))
    if tail:
        runs.append(Run("same", "".join(same[-tail:])))
    return runs
