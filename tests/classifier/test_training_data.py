"""The bundled training set and taxonomy: real, sourced, balanced, consistent."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from importlib import resources

import pytest

from classifier.text import detect_lang
from classifier.training import TrainingDataError, bundled_examples, read_examples
from model.topics import BUNDLED_KEYS, TaxonomyError, bundled_topics, parse_taxonomy

KEYS = list(BUNDLED_KEYS)


def _records() -> list[dict]:  # type: ignore[type-arg]
    text = resources.files("classifier").joinpath("data/training.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_taxonomy_has_exactly_the_stable_keys_in_both_languages() -> None:
    topics = bundled_topics()
    assert [t.key for t in topics] == KEYS
    for topic in topics:
        assert detect_lang(topic.description_zh) == "zh" and detect_lang(topic.name_zh) == "zh"
        assert detect_lang(topic.description_en) == "en"
        assert topic.keywords_en and topic.keywords_zh


def test_a_malformed_taxonomy_is_refused_with_the_reason() -> None:
    with pytest.raises(TaxonomyError, match="not valid TOML"):
        parse_taxonomy("[topics.x")
    with pytest.raises(TaxonomyError, match="description_zh must be"):
        parse_taxonomy('[topics.minors]\nname_en="M"\nname_zh="未"\ndescription_en="d"\n')


def test_every_item_has_language_labels_and_provenance() -> None:
    for number, record in enumerate(_records(), 1):
        assert record["lang"] in ("zh", "en"), number
        assert set(record["labels"]) <= set(KEYS), number
        source = record["source"]
        assert source.startswith(("http://", "https://", "repo ", "shared/")), (number, source)
        assert record["lang"] == detect_lang(record["title"]), (number, record["title"])


def test_each_topic_has_thirty_items_ten_per_language_and_some_items_have_none() -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for record in _records():
        for label in record["labels"] or ["(none)"]:
            counts[label, record["lang"]] += 1
    for key in [*KEYS, "(none)"]:
        zh, en = counts[key, "zh"], counts[key, "en"]
        assert zh >= 10 and en >= 10 and zh + en >= 30, (key, zh, en)


def test_no_duplicates_and_pairs_of_one_document_agree() -> None:
    records = _records()
    titles = [(r["title"], r["lang"]) for r in records]
    assert len(titles) == len(set(titles))
    groups = defaultdict(set)
    for record in records:
        if record.get("group"):
            groups[record["group"]].add(tuple(sorted(record["labels"])))
    assert all(len(labels) == 1 for labels in groups.values())


def test_bundled_examples_load_and_bad_lines_name_their_number() -> None:
    assert len(bundled_examples(KEYS)) == len(_records())
    with pytest.raises(TrainingDataError, match="x line 2: unknown topic gdpr"):
        read_examples(
            ['{"title": "a", "labels": []}', '{"title": "b", "labels": ["gdpr"]}'], KEYS, "x"
        )
    with pytest.raises(TrainingDataError, match="x line 1: not JSON"):
        read_examples(["{oops"], KEYS, "x")
