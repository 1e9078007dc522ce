"""Canonical URLs, 文号 and title normalisation, body hashes."""

import pytest

from model.identity import (
    canonical_url,
    content_hash,
    instrument_title,
    normalize_doc_number,
    url_key,
)

ART = "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2024/art_abc.html"


@pytest.mark.parametrize(
    "alias",
    [
        ART,
        ART + "?from=index",
        ART + "/",
        ART.replace("https://", "http://"),
        ART.replace("www.", ""),
        ART + "#content",
        ART.replace("www.miit", "WWW.MIIT") + "?utm_source=x",
        "http://www.miit.gov.cn:80/zwgk/zcwj/wjfb/tz/art/2024/art_abc.html",
    ],
)
def test_url_aliases_share_a_key(alias: str) -> None:
    assert url_key(alias) == url_key(ART)


def test_canonical_url_keeps_meaningful_query_sorted() -> None:
    url = "http://www.tc260.org.cn/front/bzzqyjList.html?start=10&postType=&length=10"
    assert canonical_url(url) == (
        "https://www.tc260.org.cn/front/bzzqyjList.html?length=10&postType=&start=10"
    )


def test_different_pages_have_different_keys() -> None:
    assert url_key(ART) != url_key(ART.replace("art_abc", "art_abd"))


@pytest.mark.parametrize(
    "spelling",
    [
        "工信部网安〔2022〕166号",
        "工信部网安[2022]166号",
        "工信部网安［2022］166号",
        "工信部网安（2022）166号",
        "工信部网安(2022)166号",
        "工信部网安【2022】166号",
        " 工信部网安 〔2022〕 166号 ",
        "工信部网安〔２０２２〕１６６号",
    ],
)
def test_doc_number_spellings_normalise_alike(spelling: str) -> None:
    assert normalize_doc_number(spelling) == "工信部网安〔2022〕166号"


def test_instrument_title_takes_the_wrapped_name() -> None:
    gov = "工业和信息化部关于印发《工业和信息化领域数据安全管理办法（试行）》的通知"
    miit = "关于印发《工业和信息化领域数据安全管理办法(试行)》的通知"
    assert instrument_title(gov) == instrument_title(miit)
    assert instrument_title(gov) == "工业和信息化领域数据安全管理办法〔试行〕"


def test_draft_and_final_titles_differ() -> None:
    draft = "关于《个人信息出境认证办法（征求意见稿）》公开征求意见的通知"
    final = "个人信息出境认证办法"
    assert instrument_title(draft) != instrument_title(final)


def test_cosmetic_body_changes_hash_alike() -> None:
    body = "第一条 为了规范数据处理活动，保障数据安全。\n第二条 本办法适用于……"
    noisy = (
        "  第一条 为了规范数据处理活动，保障数据安全。\r\n\n "
        "第二条\u3000本办法适用于…… 阅读次数：1024"
    )
    assert content_hash(body) == content_hash(noisy)


def test_real_body_changes_change_the_hash() -> None:
    assert content_hash("自2025年1月1日起施行。") != content_hash("自2025年3月1日起施行。")


def test_interpretations_never_share_the_instruments_key() -> None:
    rule = "关键信息基础设施安全保护条例"
    qa = (
        "司法部、国家网信办、工业和信息化部、公安部负责人就《关键信息基础设施安全保护条例》答记者问"
    )
    expert = "专家解读｜《关键信息基础设施安全保护条例》"
    keys = {instrument_title(rule), instrument_title(qa), instrument_title(expert)}
    assert len(keys) == 3
