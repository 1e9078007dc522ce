"""Identity across URLs and sources, versions, withdrawals; on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import func, select

from model import AMENDED, APPROVED, NEW, PENDING, SIGHTED, UNCHANGED, UNTAGGED, WITHDRAWN
from model.document import Attachment, Document
from storage import DocumentFilter, Store
from storage.engine import read_transaction
from storage.schema import documents

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

MIIT_RULE = Document(
    url="https://www.gov.cn/zhengce/zhengceku/202212/content_5732470.htm",
    source="gov_cn",
    title="工业和信息化部关于印发《工业和信息化领域数据安全管理办法（试行）》的通知",
    published_at=datetime(2022, 12, 13, 16, 5, tzinfo=BEIJING),
    issuers=["工业和信息化部"],
    doc_number="工信部网安〔2022〕166号",
    doc_type="通知",
    effective_date=date(2023, 1, 1),
    body_text="各省、自治区、直辖市……现将《工业和信息化领域数据安全管理办法（试行）》印发给你们。",
)
CAC_DRAFT = Document(
    url="https://www.cac.gov.cn/2025-09/15/c_1759653448369123.htm",
    source="cac",
    title="国家互联网信息办公室关于《个人信息出境认证办法（征求意见稿）》公开征求意见的通知",
    published_at=datetime(2025, 1, 3, 18, 0, tzinfo=BEIJING),
    issuers=["国家互联网信息办公室"],
    is_draft_for_comment=True,
    comment_deadline=date(2025, 2, 3),
    body_text="为了规范个人信息出境认证工作……现向社会公开征求意见。",
)


def count(store: Store) -> int:
    with read_transaction(store.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(documents)).scalar_one())


def test_new_document_is_stored_with_every_field(store: Store) -> None:
    result = store.save_document(MIIT_RULE, seen_at=T0)
    doc = store.get_document(result.document_id)
    assert result.outcome == NEW and result.version == 1
    assert doc is not None
    assert doc.title == MIIT_RULE.title
    assert doc.published_at == MIIT_RULE.published_at
    assert doc.published_at.utcoffset() == timedelta(hours=8)  # type: ignore[union-attr]
    assert (doc.doc_number, doc.doc_type, doc.effective_date) == (
        "工信部网安〔2022〕166号",
        "通知",
        date(2023, 1, 1),
    )
    assert doc.review_status == PENDING
    assert doc.flags == {UNTAGGED}
    assert [s.source for s in doc.sightings] == ["gov_cn"]
    assert doc.first_seen == T0 and len(doc.content_hash) == 64
    assert [v.version for v in doc.versions] == [1]


def test_url_aliases_are_one_document(store: Store) -> None:
    first = store.save_document(MIIT_RULE, seen_at=T0)
    for alias in (
        "http://gov.cn/zhengce/zhengceku/202212/content_5732470.htm?from=index",
        MIIT_RULE.url + "#top",
        MIIT_RULE.url.replace("https", "http"),
    ):
        again = store.save_document(replace(MIIT_RULE, url=alias), seen_at=T0)
        assert (again.document_id, again.outcome) == (first.document_id, UNCHANGED)
    assert count(store) == 1


def test_same_doc_number_from_another_source_adds_a_sighting(store: Store) -> None:
    first = store.save_document(MIIT_RULE, seen_at=T0)
    miit_copy = replace(
        MIIT_RULE,
        source="miit",
        doc_number="工信部网安[2022]166号",
        url="https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2022/art_0a1b2c.html",
        title="关于印发《工业和信息化领域数据安全管理办法(试行)》的通知",
        body_text="（MIIT's own page layout of the same notice）",
    )
    again = store.save_document(miit_copy, seen_at=T0 + timedelta(hours=1))
    assert (again.document_id, again.outcome) == (first.document_id, SIGHTED)
    doc = store.get_document(first.document_id)
    assert doc is not None
    assert [s.source for s in doc.sightings] == ["gov_cn", "miit"]
    assert doc.version == 1 and AMENDED not in doc.flags
    assert count(store) == 1


def test_title_and_issuer_within_window_merge(store: Store) -> None:
    first = store.save_document(CAC_DRAFT, seen_at=T0)
    republished = replace(
        CAC_DRAFT,
        source="gov_cn",
        url="https://www.gov.cn/zhengce/zhengceku/202501/content_6996.htm",
        title="关于《个人信息出境认证办法（征求意见稿）》公开征求意见的通知",
        published_at=CAC_DRAFT.published_at + timedelta(days=3),  # type: ignore[operator]
        doc_number="",
        body_text="另一版式",
    )
    again = store.save_document(republished, seen_at=T0)
    assert (again.document_id, again.outcome) == (first.document_id, SIGHTED)


def test_same_title_outside_window_or_other_issuer_is_another_document(store: Store) -> None:
    store.save_document(CAC_DRAFT, seen_at=T0)
    later = replace(
        CAC_DRAFT,
        url="https://www.cac.gov.cn/2026-01/01/c_1.htm",
        published_at=CAC_DRAFT.published_at + timedelta(days=181),
    )  # type: ignore[operator]
    other_issuer = replace(
        CAC_DRAFT, url="https://www.gov.cn/x/content_2.htm", issuers=["国家市场监督管理总局"]
    )
    assert store.save_document(later, seen_at=T0).outcome == NEW
    assert store.save_document(other_issuer, seen_at=T0).outcome == NEW
    assert count(store) == 3


def test_changed_body_adds_a_version_and_flags_amended(store: Store) -> None:
    first = store.save_document(MIIT_RULE, seen_at=T0)
    store.set_review_status([first.document_id], APPROVED, user="ed")
    edited = replace(
        MIIT_RULE, body_text=MIIT_RULE.body_text + "第四十二条 本办法自2023年1月1日起施行。"
    )
    result = store.save_document(edited, seen_at=T0 + timedelta(days=3))
    doc = store.get_document(first.document_id)
    assert (result.outcome, result.version) == (AMENDED, 2)
    assert doc is not None and AMENDED in doc.flags
    assert doc.review_status == PENDING  # back to the queue
    assert doc.body_text == edited.body_text
    assert [v.body_text for v in doc.versions] == [MIIT_RULE.body_text, edited.body_text]


def test_changed_title_or_date_adds_a_version(store: Store) -> None:
    store.save_document(MIIT_RULE, seen_at=T0)
    retitled = replace(MIIT_RULE, title=MIIT_RULE.title.replace("的通知", "的通知（更正）"))
    assert store.save_document(retitled, seen_at=T0).outcome == AMENDED
    redated = replace(retitled, published_at=retitled.published_at + timedelta(days=3))  # type: ignore[operator]
    assert store.save_document(redated, seen_at=T0).version == 3


def test_cosmetic_changes_add_nothing(store: Store) -> None:
    first = store.save_document(MIIT_RULE, seen_at=T0)
    noisy = replace(MIIT_RULE, body_text=f"  {MIIT_RULE.body_text}\n\n 阅读次数：5321 ")
    result = store.save_document(noisy, seen_at=T0 + timedelta(days=1))
    doc = store.get_document(first.document_id)
    assert result.outcome == UNCHANGED
    assert doc is not None and doc.version == 1 and AMENDED not in doc.flags
    assert doc.last_seen == T0 + timedelta(days=1)


def test_another_sighting_fills_missing_facts_without_erasing(store: Store) -> None:
    bare = replace(MIIT_RULE, doc_number="", effective_date=None, attachments=[])
    first = store.save_document(bare, seen_at=T0)
    pdf = Attachment(
        "附件.pdf", "https://www.gov.cn/zhengce/zhengceku/202212/P020221213.pdf", "pdf"
    )
    rich = replace(
        MIIT_RULE, source="miit", url="https://www.miit.gov.cn/art_1.html", attachments=[pdf]
    )
    store.save_document(rich, seen_at=T0)
    doc = store.get_document(first.document_id)
    assert doc is not None
    assert doc.doc_number == "工信部网安〔2022〕166号"
    assert doc.effective_date == date(2023, 1, 1)
    assert [a.url for a in doc.attachments] == [pdf.url]
    # a later sighting without a 文号 keeps the one stored
    changed = replace(bare, body_text="新正文")
    store.save_document(changed, seen_at=T0)
    assert store.get_document(first.document_id).doc_number == "工信部网安〔2022〕166号"  # type: ignore[union-attr]


def test_disappeared_page_marks_withdrawn_and_nothing_is_deleted(store: Store) -> None:
    first = store.save_document(MIIT_RULE, seen_at=T0)
    miit = replace(MIIT_RULE, source="miit", url="https://www.miit.gov.cn/art_1.html")
    store.save_document(miit, seen_at=T0)
    store.mark_gone(MIIT_RULE.url, at=T0 + timedelta(days=1))
    assert WITHDRAWN not in store.get_document(first.document_id).flags  # type: ignore[union-attr]
    store.mark_gone(miit.url, at=T0 + timedelta(days=1))
    doc = store.get_document(first.document_id)
    assert doc is not None and WITHDRAWN in doc.flags
    assert count(store) == 1
    store.save_document(MIIT_RULE, seen_at=T0 + timedelta(days=2))
    assert WITHDRAWN not in store.get_document(first.document_id).flags  # type: ignore[union-attr]


def test_mark_gone_on_unknown_url_changes_nothing(store: Store) -> None:
    assert store.mark_gone("https://www.gov.cn/nowhere.htm") is None


def test_list_filters(store: Store) -> None:
    a = store.save_document(MIIT_RULE, seen_at=T0).document_id
    b = store.save_document(CAC_DRAFT, seen_at=T0).document_id
    store.set_review_status([b], APPROVED, user="ed")
    assert [d.id for d in store.list_documents()] == [b, a]  # newest publication first
    assert [d.id for d in store.list_documents(DocumentFilter(review_status=APPROVED))] == [b]
    assert [d.id for d in store.list_documents(DocumentFilter(source="gov_cn"))] == [a]
    since = datetime(2024, 1, 1, tzinfo=BEIJING)
    assert [d.id for d in store.list_documents(DocumentFilter(published_from=since))] == [b]
    assert [d.id for d in store.list_documents(DocumentFilter(flag=UNTAGGED, limit=1))] == [b]


def test_review_status_of_unknown_ids_is_reported(store: Store) -> None:
    a = store.save_document(MIIT_RULE, seen_at=T0).document_id
    assert store.set_review_status([a, 999], APPROVED, user="ed") == [999]
    assert store.get_document(a).review_status == APPROVED  # type: ignore[union-attr]


def test_an_interpretation_is_not_a_sighting_of_its_regulation(store: Store) -> None:
    rule = Document(
        url="https://www.gov.cn/zhengce/content/2021-08/17/content_5631671.htm",
        source="gov_cn",
        title="关键信息基础设施安全保护条例",
        body_text="条例正文",
        doc_number="国令第745号",
        issuers=["国务院"],
        published_at=datetime(2021, 8, 17, 17, 1, tzinfo=BEIJING),
    )
    qa = Document(
        url="https://www.gov.cn/zhengce/2021-08/17/content_5631690.htm",
        source="gov_cn",
        body_text="答记者问正文",
        title="司法部、国家网信办负责人就《关键信息基础设施安全保护条例》答记者问",
        published_at=datetime(2021, 8, 17, 17, 5, tzinfo=BEIJING),
    )
    assert store.save_document(qa, seen_at=T0).outcome == NEW
    assert store.save_document(rule, seen_at=T0).outcome == NEW
    assert count(store) == 2


def test_a_sighting_without_a_date_is_not_a_date_change(store: Store) -> None:
    """A re-check has no list entry, so a page without its own date arrives undated."""
    first = store.save_document(MIIT_RULE, seen_at=T0)
    undated = replace(MIIT_RULE, published_at=None)
    assert store.save_document(undated, seen_at=T0 + timedelta(days=1)).outcome == UNCHANGED
    edited = replace(undated, body_text=MIIT_RULE.body_text + "（更正）")
    assert store.save_document(edited, seen_at=T0 + timedelta(days=2)).outcome == AMENDED
    doc = store.get_document(first.document_id)
    assert doc is not None and doc.published_at == MIIT_RULE.published_at  # kept, not erased
