"""Keyword rules: a topic keyword found in a title sets the topic outright.

Latin-letter keywords match whole words (or their plurals), ignoring case, and a trailing
``*`` lets the word continue (``vulnerabilit*``); Chinese keywords match anywhere in the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from classifier.text import clean
from model.topics import Topic, ignored_phrases

LATIN = re.compile(r"[A-Za-z]")


def _pattern(keyword: str) -> re.Pattern[str]:
    prefix = keyword.endswith("*")
    word = re.escape(keyword.rstrip("*"))
    if not LATIN.search(keyword):
        return re.compile(word)
    start = r"(?<![A-Za-z0-9])" if LATIN.match(keyword) else ""
    end = "" if prefix else r"(?:s|es)?(?![A-Za-z0-9])"  # plurals match too
    return re.compile(start + word + end, re.IGNORECASE)


@dataclass(frozen=True)
class KeywordRules:
    """Per topic, the keywords whose presence in a title sets the topic."""

    keywords: Mapping[str, tuple[str, ...]]
    ignore: tuple[str, ...] = ()
    """Phrases removed from a title before matching (names of standard series and the like)."""

    @classmethod
    def from_topics(cls, topics: Iterable[Topic]) -> KeywordRules:
        return cls({t.key: (*t.keywords_en, *t.keywords_zh) for t in topics}, ignored_phrases())

    def __post_init__(self) -> None:
        compiled = {
            topic: [(kw, _pattern(kw)) for kw in words] for topic, words in self.keywords.items()
        }
        object.__setattr__(self, "_compiled", compiled)
        ignore = [re.escape(p) for p in sorted(self.ignore, key=len, reverse=True)]
        object.__setattr__(
            self, "_ignore", re.compile("|".join(ignore), re.IGNORECASE) if ignore else None
        )

    def hits(self, title: str) -> dict[str, list[str]]:
        """Per topic, the keywords found in ``title`` (topics without a hit are left out)."""
        title = clean(title)
        ignore: re.Pattern[str] | None = self._ignore  # type: ignore[attr-defined]
        if ignore is not None:
            title = ignore.sub(" ", title)
        compiled: dict[str, list[tuple[str, re.Pattern[str]]]] = self._compiled  # type: ignore[attr-defined]
        found: dict[str, list[str]] = {}
        for topic, patterns in compiled.items():
            words = [kw for kw, pattern in patterns if pattern.search(title)]
            if words:
                found[topic] = words
        return found

    def keeping(self, kept: Mapping[str, Iterable[str]]) -> KeywordRules:
        """The same rules restricted to ``kept`` keywords per topic."""
        return KeywordRules({t: tuple(kept.get(t, ())) for t in self.keywords}, self.ignore)
