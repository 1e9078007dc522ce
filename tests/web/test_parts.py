"""The queue's query parsing, version diffs and link and text sanitising, without a server."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model import BEIJING
from model.sanitize import plain_text, safe_link
from web.diff import Run, diff_runs, sentences
from web.filters import QueueQuery, parse_queue_query

SOURCES = {"gov_cn", "miit"}


def test_a_query_becomes_a_storage_filter() -> None:
    query = parse_queue_query(
        {
            "status": "all",
            "q": " 数据 ",
            "source": "miit",
            "draft": "yes",
            "open": "on",
            "since": "2026-03-01",
            "until": "2026-03-31",
            "page": "3",
            "sort": "deadline",
        },
        SOURCES,
    )
    assert query.problems == ()
    flt = query.to_filter(date(2026, 3, 10), page_size=20)
    assert flt.review_status is None and flt.text == "数据" and flt.source == "miit"
    assert flt.draft is True and flt.deadline_from == date(2026, 3, 10)
    assert flt.published_from == datetime(2026, 3, 1, tzinfo=BEIJING)
    assert flt.published_until == datetime(2026, 4, 1, tzinfo=BEIJING)  # the whole last day
    assert (flt.limit, flt.offset, flt.sort) == (20, 40, "deadline")


def test_links_keep_the_filters_and_reset_the_page() -> None:
    query = QueueQuery(source="miit", page=4)
    assert query.link(status="approved") == "?status=approved&source=miit"
    assert query.link(page=5) == "?source=miit&page=5"
    assert QueueQuery().link() == "?"


@given(
    st.dictionaries(
        st.sampled_from(["status", "q", "since", "page", "sort", "topic"]), st.text(max_size=30)
    )
)
def test_no_query_string_breaks_the_queue(params: dict[str, str]) -> None:
    query = parse_queue_query(params, SOURCES)
    query.to_filter(date(2026, 1, 1))  # never raises
    assert len(query.q) <= 200


def test_diffs_mark_changed_sentences_and_fold_the_rest() -> None:
    before = "第一条。第二条。第三条。第四条。第五条。"
    after = "第一条。第二条。第三条（修改）。第四条。第五条。"
    assert diff_runs(before, after) == [
        Run("same", "第一条。第二条。"),
        Run("removed", "第三条。"),
        Run("added", "第三条（修改）。"),
        Run("same", "第四条。第五条。"),
    ]
    assert "".join(sentences(before)) == before
    long_before = "".join(f"第{n}条。" for n in range(10))
    runs = diff_runs(long_before, long_before + "新增一条。")
    assert runs == [Run("same", " … "), Run("same", "第9条。"), Run("added", "新增一条。")]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "  JaVaScRiPt:alert(1)",
        "java\tscript:x",
        "data:text/html,x",
        "vbscript:x",
        "//evil.example/x",
        "file:///etc/passwd",
        "http://",
        "",
    ],
)
def test_only_http_links_survive(url: str) -> None:
    assert safe_link(url) == ""


def test_http_links_are_kept() -> None:
    assert safe_link(" https://www.gov.cn/a b ") == "https://www.gov.cn/a%20b"
    assert safe_link("HTTP://www.miit.gov.cn/x") == "HTTP://www.miit.gov.cn/x"


def test_markup_becomes_text_and_plain_text_is_untouched() -> None:
    assert plain_text("<p>关于<b>数据</b>的通知</p><script>alert(1)</script>") == "关于数据的通知"
    assert plain_text("3 < 4 & 5 > 2") == "3 < 4 & 5 > 2"
    assert plain_text("<img src=x onerror=alert(1)>标题") == "标题"
