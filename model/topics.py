"""Topics a law firm sorts its legal update by, and what the classifier or an editor said.

The bundled taxonomy (``model/data/topics.toml``) fixes the keys other tools depend on;
editors add topics of their own (stored in the database, see ``Store.add_topic``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources

MODEL = "model"
EDITOR = "editor"
SETTERS = (MODEL, EDITOR)

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class TaxonomyError(ValueError):
    """The taxonomy file or a new topic is malformed."""


@dataclass(frozen=True)
class Topic:
    """One topic, described in both languages, with keywords that mark it beyond doubt."""

    key: str
    name_en: str
    name_zh: str
    description_en: str
    description_zh: str
    keywords_en: tuple[str, ...] = ()
    keywords_zh: tuple[str, ...] = ()
    added_by: str = ""
    """Empty for a bundled topic; the editor's name for one an editor added."""

    def descriptions(self) -> list[str]:
        """The texts that describe the topic, for building its prototype."""
        return [
            f"{self.name_en}: {self.description_en}",
            f"{self.name_zh}：{self.description_zh}",
        ]


@dataclass(frozen=True)
class TopicAssignment:
    """A topic a document carries, and who set it: the model (with its version) or an editor."""

    topic: str
    set_by: str
    """``model`` or ``editor``."""
    model_version: int | None = None
    score: float | None = None
    editor: str = ""
    set_at: datetime | None = None


@dataclass(frozen=True)
class Neighbour:
    """A training example close to a classified text: why the model said what it said."""

    title: str
    labels: tuple[str, ...]
    similarity: float
    source: str = ""


@dataclass(frozen=True)
class Classification:
    """What one model version said about one text: every topic's score and the labels kept."""

    model_version: int
    scores: dict[str, float]
    labels: tuple[str, ...]
    lang: str
    neighbours: tuple[Neighbour, ...] = ()
    rule_hits: dict[str, list[str]] = field(default_factory=dict)
    """Per topic, the keywords found in the title that set the topic outright."""
    document_id: int | None = None
    classified_at: datetime | None = None


@dataclass(frozen=True)
class ModelInfo:
    """A stored classifier model (without its weights)."""

    version: int
    embedder: str
    created_at: datetime
    topics: tuple[str, ...]
    examples: int
    editor_examples: int
    metrics: dict[str, float] = field(default_factory=dict)


def check_key(key: str) -> str:
    """Return ``key`` when it is a valid topic key (lower case, digits, underscores)."""
    if not KEY_PATTERN.match(key):
        raise TaxonomyError(
            f"topic key {key!r} must be 2-40 lower-case letters, digits or underscores, "
            "starting with a letter"
        )
    return key


def _topic(key: str, raw: dict[str, object]) -> Topic:
    def text(name: str) -> str:
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise TaxonomyError(f"topic {key!r}: {name} must be a non-empty string")
        return value.strip()

    def words(name: str) -> tuple[str, ...]:
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
            raise TaxonomyError(f"topic {key!r}: {name} must be a list of strings")
        return tuple(value)

    return Topic(
        key=check_key(key),
        name_en=text("name_en"),
        name_zh=text("name_zh"),
        description_en=text("description_en"),
        description_zh=text("description_zh"),
        keywords_en=words("keywords_en"),
        keywords_zh=words("keywords_zh"),
    )


def parse_taxonomy(text: str) -> list[Topic]:
    """Topics from the TOML text of a taxonomy file (``[topics.<key>]`` tables)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"taxonomy file is not valid TOML: {exc}") from exc
    tables = data.get("topics")
    if not isinstance(tables, dict) or not tables:
        raise TaxonomyError("taxonomy file has no [topics.<key>] tables")
    return [_topic(key, raw) for key, raw in tables.items()]


def _bundled_text() -> str:
    return resources.files("model").joinpath("data/topics.toml").read_text(encoding="utf-8")


def bundled_topics() -> list[Topic]:
    """The bundled taxonomy, in file order."""
    return parse_taxonomy(_bundled_text())


def ignored_phrases() -> tuple[str, ...]:
    """Phrases removed from titles before topic keywords are matched (``[rules] ignore``)."""
    rules = tomllib.loads(_bundled_text()).get("rules", {})
    phrases = rules.get("ignore", [])
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p for p in phrases):
        raise TaxonomyError("[rules] ignore must be a list of phrases")
    return tuple(phrases)


BUNDLED_KEYS = (
    "app_governance",
    "cii",
    "data_trading",
    "minors",
    "personal_information",
    "data_security",
    "cross_border",
    "cybersecurity",
    "ai_algorithms",
)
"""The stable keys of the bundled topics: other tools and tests depend on them."""
