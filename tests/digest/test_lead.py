"""The lead sentence the review app pre-fills: AnJie-style "On <date>, <issuer> issued …"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from digest.lead import NEUTRAL_ISSUER, english_date, lead_sentence
from model.document import BEIJING, Document
from model.glossary import Glossary, load_glossary

GLOSSARY = load_glossary()
MIIT = 'the Ministry of Industry and Information Technology ("MIIT")'
CAMPAIGN = (
    "Notice on Carrying out the Special Campaign to Promote Governance on Apps that Infringe "
    "upon User's Rights and Interests"
)
CAMPAIGN_ZH = "工业和信息化部关于开展纵深推进APP侵害用户权益专项整治行动的通知"


def doc(**fields: Any) -> Document:
    """A document published by MIIT at 10:00 Beijing time on July 24, 2020, unless told."""
    fields.setdefault("title", CAMPAIGN_ZH)
    fields.setdefault("published_at", datetime(2020, 7, 24, 10, 0, tzinfo=BEIJING))
    fields.setdefault("issuers", ["工业和信息化部"])
    return Document(url="https://www.miit.gov.cn/x.html", **fields)


def lead(document: Document, title_en: str = "") -> str:
    return lead_sentence(document, GLOSSARY, title_en=title_en)


# --- the AnJie sentence ----------------------------------------------------------------------


def test_miit_draft_with_deadline_reads_like_the_anjie_update() -> None:
    draft = doc(is_draft_for_comment=True, comment_deadline=date(2020, 8, 14), doc_type="通知")
    assert lead(draft, CAMPAIGN) == (
        f"On July 24, 2020, {MIIT} issued the {CAMPAIGN} to seek public opinions by "
        "August 14, 2020."
    )


@pytest.mark.parametrize("doc_type", ["通知", ""], ids=["doc_type", "from-title"])
def test_without_english_title_the_chinese_title_is_named_with_its_kind(doc_type: str) -> None:
    expected = f"On July 24, 2020, {MIIT} issued the Notice 《{CAMPAIGN_ZH}》."
    assert lead(doc(doc_type=doc_type)) == expected


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2020, 8, 4), "August 4, 2020"),
        (date(2021, 1, 1), "January 1, 2021"),
        (date(2023, 12, 31), "December 31, 2023"),
    ],
)
def test_english_date_has_no_leading_zero(day: date, text: str) -> None:
    assert english_date(day) == text


def test_date_is_the_beijing_date_of_publication() -> None:
    late_utc = datetime(2020, 7, 23, 17, 0, tzinfo=UTC)  # 01:00 on July 24 in Beijing
    assert lead(doc(published_at=late_utc)).startswith("On July 24, 2020, ")


def test_date_falls_back_to_the_date_written() -> None:
    undated = doc(published_at=None, written_on=date(2020, 7, 8))
    assert lead(undated).startswith(f"On July 8, 2020, {MIIT} issued")


def test_without_any_date_the_sentence_starts_with_the_issuer() -> None:
    undated = doc(published_at=None, issuers=["公安部"], title="关于某事的通知")
    assert lead(undated) == (
        'The Ministry of Public Security ("MPS") issued the Notice 《关于某事的通知》.'
    )


# --- issuers ---------------------------------------------------------------------------------


def test_two_issuers_jointly_issued() -> None:
    opinions = doc(
        published_at=datetime(2020, 7, 20, 9, 0, tzinfo=BEIJING),
        issuers=["最高人民法院", "国家发展和改革委员会"],
    )
    assert lead(opinions, "Opinions on Providing Judicial Services") == (
        'On July 20, 2020, the Supreme People\'s Court ("SPC") and the National Development '
        'and Reform Commission ("NDRC") jointly issued the Opinions on Providing Judicial '
        "Services."
    )


def test_several_issuers_are_listed_naturally_and_each_named_once() -> None:
    joint = doc(issuers=["国家互联网信息办公室", "工业和信息化部", "工信部", "公安部", "国务院"])
    assert lead(joint, "Method").startswith(
        'On July 24, 2020, the Cyberspace Administration of China ("CAC"), '
        f'{MIIT}, the Ministry of Public Security ("MPS") and the State Council jointly issued '
        "the Method"
    )


def test_issuer_not_in_the_glossary_is_kept_in_chinese() -> None:
    shenzhen = doc(
        published_at=datetime(2020, 7, 15, 9, 0, tzinfo=BEIJING),
        issuers=["深圳市司法局"],
        title="深圳经济特区数据条例（征求意见稿）",
        doc_type="条例",
        comment_deadline=date(2020, 8, 14),
    )
    assert lead(shenzhen) == (
        "On July 15, 2020, 深圳市司法局 issued the draft Regulations "
        "《深圳经济特区数据条例（征求意见稿）》 to seek public opinions by August 14, 2020."
    )


def test_unknown_issuer_stays_among_known_ones() -> None:
    mixed = doc(issuers=["国家互联网信息办公室", "天津市互联网信息办公室"])
    assert 'China ("CAC") and 天津市互联网信息办公室 jointly issued' in lead(mixed, "X")


def test_without_issuers_those_named_before_guanyu_in_the_title_are_used() -> None:
    titled = doc(issuers=[], title="工业和信息化部、国家互联网信息办公室关于印发《某办法》的通知")
    assert lead(titled, "Notice").startswith(
        f'On July 24, 2020, {MIIT} and the Cyberspace Administration of China ("CAC") jointly'
    )


def test_without_any_issuer_the_wording_is_neutral() -> None:
    anonymous = doc(issuers=[], title="关于转发工业和信息化部某文件的通知")
    assert lead(anonymous, "Notice") == f"On July 24, 2020, {NEUTRAL_ISSUER} issued the Notice."
    undated = doc(issuers=[], published_at=None, title="某办法")
    assert lead(undated) == "The relevant authorities issued the Measures 《某办法》."


# --- drafts and effective dates --------------------------------------------------------------


def test_draft_without_deadline_seeks_public_opinions_without_a_date() -> None:
    draft = doc(title="数据出境安全评估办法（征求意见稿）", doc_type="办法")
    assert lead(draft) == (
        f"On July 24, 2020, {MIIT} issued the draft Measures "
        "《数据出境安全评估办法（征求意见稿）》 to seek public opinions."
    )


def test_notice_asking_for_comments_on_a_draft_is_not_itself_called_a_draft() -> None:
    notice = doc(
        title="关于公开征求《个人信息出境标准合同规定（征求意见稿）》意见的通知",
        is_draft_for_comment=True,
        comment_deadline=date(2022, 7, 29),
    )
    assert lead(notice).endswith(
        "issued the Notice 《关于公开征求〈个人信息出境标准合同规定（征求意见稿）〉意见的通知》 "
        "to seek public opinions by July 29, 2022."
    )


def test_later_effective_date_is_announced() -> None:
    rules = doc(title="某规定", doc_type="规定", effective_date=date(2020, 9, 1))
    assert lead(rules) == (
        f"On July 24, 2020, {MIIT} issued the Provisions 《某规定》, which will take effect on "
        "September 1, 2020."
    )


@pytest.mark.parametrize("effective", [date(2020, 7, 24), date(2020, 7, 1)])
def test_effective_date_not_after_publication_is_not_announced(effective: date) -> None:
    assert "take effect" not in lead(doc(effective_date=effective))


def test_drafts_do_not_announce_an_effective_date() -> None:
    draft = doc(is_draft_for_comment=True, effective_date=date(2021, 1, 1))
    assert lead(draft).endswith("to seek public opinions.")


# --- what was issued -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title_en", [CAMPAIGN, f"the {CAMPAIGN}", f"  {CAMPAIGN}.  ", f"The {CAMPAIGN}."]
)
def test_english_title_is_used_with_one_article_and_one_period(title_en: str) -> None:
    expected = f"On July 24, 2020, {MIIT} issued the {CAMPAIGN}."
    assert lead(doc(), title_en).lower() == expected.lower()


def test_english_document_is_named_by_its_own_title() -> None:
    english = doc(lang="en", title="Notice on Apps", doc_type="")
    assert lead(english) == f"On July 24, 2020, {MIIT} issued the Notice on Apps."


def test_title_already_in_book_marks_is_not_wrapped_again() -> None:
    law = doc(issuers=["全国人民代表大会常务委员会"], title="《数据安全法》", doc_type="法")
    assert lead(law) == (
        'On July 24, 2020, the Standing Committee of the National People\'s Congress ("NPCSC") '
        "issued the Law 《数据安全法》."
    )


def test_book_marks_inside_the_title_nest_as_chinese_typography_does() -> None:
    notice = doc(title="关于印发《网络数据安全管理条例》的通知", doc_type="通知")
    assert lead(notice).endswith("issued the Notice 《关于印发〈网络数据安全管理条例〉的通知》.")


def test_title_of_two_works_is_wrapped_as_a_whole() -> None:
    pair = doc(title="《数据安全法》和《个人信息保护法》解读", doc_type="解读")
    assert "the Interpretation 《〈数据安全法〉和〈个人信息保护法〉解读》." in lead(pair)


def test_unknown_kind_names_the_title_alone() -> None:
    standard = doc(title="某技术文件（征求意见稿）", doc_type="征求意见稿")
    assert "issued the draft 《某技术文件（征求意见稿）》 to seek" in lead(standard)


# --- invariants ------------------------------------------------------------------------------

DOCUMENTS = [
    doc(),
    doc(published_at=None, issuers=[], title="", doc_type=""),
    doc(issuers=["", "  "], title="  某  办法  ", comment_deadline=date(2020, 8, 1)),
    doc(issuers=["深圳市司法局", "最高人民检察院"], written_on=date(2020, 1, 2), published_at=None),
    doc(title="《数据安全法》", effective_date=date(2021, 9, 1), doc_type="法"),
    doc(title="关于征求意见的通知。", is_draft_for_comment=True),
]


@pytest.mark.parametrize("glossary", [GLOSSARY, Glossary()], ids=["glossary", "empty"])
@pytest.mark.parametrize("title_en", ["", "Notice on X.", "  Measures  for  Y "])
@pytest.mark.parametrize("document", DOCUMENTS)
def test_sentence_is_clean(document: Document, glossary: Glossary, title_en: str) -> None:
    sentence = lead_sentence(document, glossary, title_en=title_en)
    assert sentence.endswith(".")
    assert ".." not in sentence
    assert "。." not in sentence
    assert "None" not in sentence
    assert "  " not in sentence
    assert sentence == sentence.strip()
    assert sentence[0] == sentence[0].upper()
    assert "《《" not in sentence
