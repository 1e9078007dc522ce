"""Keyword rules and the text the classifier reads."""

from __future__ import annotations

import pytest

from classifier.model import Example
from classifier.rules import KeywordRules
from classifier.text import classifier_input, detect_lang
from classifier.training import measure_rules
from model.topics import bundled_topics

RULES = KeywordRules(
    {
        "app_governance": ("App", "mini program"),
        "ai_algorithms": ("AI", "algorithm*", "生成式"),
        "cybersecurity": ("网络安全", "vulnerabilit*"),
    },
    ignore=("网络安全技术", "Cybersecurity technology"),
)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("关于开展App违法违规收集使用个人信息专项治理的公告", {"app_governance": ["App"]}),
        ("Application of the Rules on Foreign Investment", {}),  # "App" is not "Application"
        ("Measures on AI-Generated Content Labeling", {"ai_algorithms": ["AI"]}),
        ("Aid to Farmers", {}),  # "AI" is not "Aid"
        ("Provisions on Algorithmic Recommendation", {"ai_algorithms": ["algorithm*"]}),
        ("Rules for Mini Programs", {"app_governance": ["mini program"]}),
        ("网络产品安全漏洞管理规定", {}),
        ("Vulnerabilities Management Provisions", {"cybersecurity": ["vulnerabilit*"]}),
        ("网络安全技术 生成式人工智能服务安全基本要求", {"ai_algorithms": ["生成式"]}),
        ("中华人民共和国网络安全法", {"cybersecurity": ["网络安全"]}),
        ("Cybersecurity technology—Basic requirements", {}),
        ("ＡＰＰ（全角）治理", {"app_governance": ["App"]}),  # full-width letters normalised
    ],
)
def test_keywords_match_whole_words_and_skip_series_names(title: str, expected: dict) -> None:  # type: ignore[type-arg]
    assert RULES.hits(title) == expected


def test_imprecise_keywords_are_dropped_and_precision_is_measured() -> None:
    examples = [
        Example("中华人民共和国网络安全法", ("cybersecurity",)),
        Example("网络安全审查办法", ("cybersecurity",)),
        Example("关于开展App专项治理的公告", ("app_governance",)),
        Example("App Store Rules", ()),  # one of two "App" titles is wrong: 50 % precision
    ]
    kept, precision, report = measure_rules(RULES, examples, 0.9)
    assert kept.keywords["app_governance"] == ("mini program",)  # never seen: kept on trust
    assert kept.keywords["cybersecurity"] == ("网络安全", "vulnerabilit*")
    assert report["app_governance:App"] == {"hits": 2, "correct": 1, "kept": False}
    assert precision["cybersecurity"] == pytest.approx(3 / 4)  # (2 + 1) / (2 + 2)
    assert precision["ai_algorithms"] == 0.9  # no evidence: the floor
    assert kept.ignore == RULES.ignore


def test_every_bundled_keyword_is_precise_on_the_bundled_set() -> None:
    from classifier.training import bundled_examples

    topics = bundled_topics()
    examples = bundled_examples([t.key for t in topics])
    _, _, report = measure_rules(KeywordRules.from_topics(topics), examples, 0.9)
    imprecise = {k: v for k, v in report.items() if not v["kept"]}
    assert len(imprecise) <= 2, imprecise


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("数据出境安全评估办法", "zh"),
        ("关于开展App违法违规收集使用个人信息专项治理的公告", "zh"),
        ("GB/T 35273-2020 信息安全技术 个人信息安全规范", "zh"),
        ("Measures for the Security Assessment of Outbound Data Transfers", "en"),
        ("CAC issues 《数据出境安全评估办法》 on outbound data transfer security assessment", "en"),
        ("", "en"),
    ],
)
def test_language_is_detected(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_input_is_the_title_and_a_short_lead() -> None:
    body = "数据出境安全评估办法 第一条 为了规范数据出境活动" + "，保护个人信息权益" * 50
    text = classifier_input("数据出境安全评估办法", body)
    title, lead = text.split("\n")
    assert title == "数据出境安全评估办法"
    assert lead.startswith("第一条") and len(lead) == 160  # the repeated title is dropped
    assert classifier_input("  Data\u3000Security  Law ") == "Data Security Law"
    english = classifier_input("Data Security Law", "Article 1 " + "word " * 400)
    assert 590 <= len(english.split("\n")[1]) <= 600
