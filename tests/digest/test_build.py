"""Which approved documents a month's digest holds, where, and what closing it freezes
(SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from config import Settings
from digest.service import approve, latest_month, load
from model import APPROVED, BEIJING, PENDING, REJECTED, Document
from model.digest import (
    AMENDED_ENTRY,
    EARLIER_ENTRY,
    EARLIER_SECTION,
    NEW_ENTRY,
    OTHER_SECTION,
    DigestError,
    Month,
    Placement,
)
from model.glossary import load_glossary
from model.review import Editorial
from storage import Store
from storage.digests import DigestConflict

GLOSSARY = load_glossary()
JUNE, JULY, AUGUST = Month(2020, 6), Month(2020, 7), Month(2020, 8)
SEEN = datetime(2020, 9, 1, tzinfo=UTC)


def _doc(n: int, published: datetime | None, **fields: object) -> Document:
    values: dict[str, object] = {
        "url": f"https://www.miit.gov.cn/zwgk/art_{n}.html",
        "source": "miit",
        "title": f"工业和信息化部关于第{n}项工作的通知",
        "issuers": ["工业和信息化部"],
        "body_text": f"第{n}项工作。\n要求一。\n要求二。",
        "published_at": published,
    }
    return Document(**(values | fields))  # type: ignore[arg-type]


def _add(
    store: Store,
    n: int,
    published: datetime | None,
    *,
    status: str = APPROVED,
    topics: tuple[str, ...] = (),
    **fields: object,
) -> int:
    doc_id = store.save_document(_doc(n, published, **fields), seen_at=SEEN).document_id
    if topics:
        store.set_topics(doc_id, topics, editor="ana")
    if status != PENDING:
        store.set_review_status([doc_id], status, user="ana")
    return doc_id


def _on(month: Month, day: int, hour: int = 10) -> datetime:
    return datetime(month.year, month.month, day, hour, tzinfo=BEIJING)


def _entries(store: Store, month: Month, settings: Settings | None = None) -> dict[int, str]:
    """Document id → entry kind in the month's digest."""
    digest = load(store, month, settings or Settings(), GLOSSARY).digest
    return {e.document_id: e.kind for e in digest.entries()}


def _close(store: Store, month: Month, settings: Settings | None = None) -> None:
    settings = settings or Settings()
    revision = load(store, month, settings, GLOSSARY).revision
    approve(store, month, revision, "partner", settings, GLOSSARY)


def test_a_month_holds_its_approved_documents_by_beijing_date(store: Store) -> None:
    july = _add(store, 1, _on(JULY, 8))
    _add(store, 2, _on(JULY, 9), status=PENDING)
    _add(store, 3, _on(JULY, 10), status=REJECTED)
    # 16:00 UTC on June 30 is midnight, July 1, in Beijing.
    midnight = _add(store, 4, datetime(2020, 6, 30, 16, tzinfo=UTC))
    june = _add(store, 5, datetime(2020, 6, 30, 15, 59, tzinfo=UTC))
    assert _entries(store, JULY) == {july: NEW_ENTRY, midnight: NEW_ENTRY}
    assert _entries(store, JUNE) == {june: NEW_ENTRY}


def test_an_undated_document_counts_by_the_date_it_was_written(store: Store) -> None:
    written = _add(store, 1, None, written_on=datetime(2020, 7, 3).date())
    assert _entries(store, JULY) == {written: NEW_ENTRY}
    assert _entries(store, AUGUST) == {}


def test_a_document_appears_once_under_its_first_topic_in_section_order(store: Store) -> None:
    both = _add(store, 1, _on(JULY, 9), topics=("personal_information", "cybersecurity"))
    later = _add(store, 2, _on(JULY, 20), topics=("cybersecurity",))
    earlier = _add(store, 3, _on(JULY, 2), topics=("cybersecurity",))
    untagged = _add(store, 4, _on(JULY, 5))
    digest = load(store, JULY, Settings(), GLOSSARY).digest
    layout = [(s.key, [e.document_id for e in s.entries]) for s in digest.sections]
    assert layout == [
        ("personal_information", [both]),
        ("cybersecurity", [earlier, later]),
        (OTHER_SECTION, [untagged]),
    ]
    settings = Settings()
    settings.digest.sections = ["cybersecurity"]
    digest = load(store, JULY, settings, GLOSSARY).digest
    assert [s.key for s in digest.sections] == ["cybersecurity", OTHER_SECTION]
    assert [e.document_id for e in digest.sections[0].entries] == [earlier, both, later]


def test_an_entry_uses_the_editors_text_or_the_generated_lead(store: Store) -> None:
    plain = _add(store, 1, _on(JULY, 24), is_draft_for_comment=True)
    edited = _add(store, 2, _on(JULY, 25))
    doc = store.get_document(edited)
    assert doc is not None
    text = Editorial("MIIT launches a campaign", "On July 25, 2020, MIIT ...", "It targets apps.")
    store.review(edited, doc.revision, user="ana", editorial=text)
    entries = {e.document_id: e for e in load(store, JULY, Settings(), GLOSSARY).digest.entries()}
    assert entries[plain].headline == "工业和信息化部关于第1项工作的通知"
    assert entries[plain].lead.startswith(
        'On July 24, 2020, the Ministry of Industry and Information Technology ("MIIT") issued'
    )
    assert entries[plain].lead.endswith("to seek public opinions.")
    assert entries[plain].links == ("https://www.miit.gov.cn/zwgk/art_1.html",)
    assert (entries[edited].headline, entries[edited].lead) == (text.headline, text.lead)
    assert entries[edited].summary == "It targets apps."


def test_before_any_digest_closed_earlier_months_are_history(store: Store) -> None:
    _add(store, 1, _on(JUNE, 10))
    assert _entries(store, JULY) == {}


def test_a_document_approved_after_its_months_digest_closed_goes_to_the_next(
    store: Store,
) -> None:
    on_time = _add(store, 1, _on(JUNE, 10))
    _close(store, JUNE)
    late = _add(store, 2, _on(JUNE, 12), status=PENDING)
    july = _add(store, 3, _on(JULY, 1))
    assert _entries(store, JULY) == {july: NEW_ENTRY}
    store.set_review_status([late], APPROVED, user="ana")
    assert _entries(store, JULY) == {july: NEW_ENTRY, late: EARLIER_ENTRY}
    digest = load(store, JULY, Settings(), GLOSSARY).digest
    assert digest.sections[-1].key == EARLIER_SECTION
    assert digest.sections[-1].title == "Earlier developments"
    assert [e.document_id for e in digest.sections[-1].entries] == [late]
    june = store.digest(JUNE)
    assert june is not None and [f.document_id for f in june.frozen] == [on_time]


def test_an_amended_document_returns_as_amended_once_approved_again(store: Store) -> None:
    doc_id = _add(store, 1, _on(JUNE, 10))
    _close(store, JUNE)
    changed = _doc(1, _on(JUNE, 10), body_text="第1项工作。\n要求一。\n新要求三。\n新要求四。")
    assert store.save_document(changed).outcome == "amended"
    assert _entries(store, JULY) == {}  # back in review: not yet
    store.set_review_status([doc_id], APPROVED, user="ana")
    entries = load(store, JULY, Settings(), GLOSSARY).digest.entries()
    assert [(e.document_id, e.kind) for e in entries] == [(doc_id, AMENDED_ENTRY)]
    assert entries[0].changes == (
        "Amended since the June 2020 update.",
        "The text changed: 2 paragraphs added, 1 paragraph removed.",
    )
    assert _entries(store, JUNE) == {doc_id: NEW_ENTRY}  # the closed June digest is unchanged
    _close(store, JULY)
    assert _entries(store, AUGUST) == {}


def test_a_closed_digest_prints_the_text_as_approved(store: Store) -> None:
    doc_id = _add(store, 1, _on(JULY, 10))
    _close(store, JULY)
    doc = store.get_document(doc_id)
    assert doc is not None
    store.review(doc_id, doc.revision, user="ana", editorial=Editorial("A new headline"))
    digest = load(store, JULY, Settings(), GLOSSARY).digest
    assert digest.status == APPROVED
    assert digest.entries()[0].headline == "工业和信息化部关于第1项工作的通知"
    assert digest.archive_url == "http://127.0.0.1:8000/digests/2020-07"
    with pytest.raises(DigestError, match="already approved"):
        _close(store, JULY)


def test_nothing_approved_is_ever_left_out_or_sent_twice(store: Store) -> None:
    rng = random.Random(8)
    months = [Month(2020, m) for m in range(3, 10)]
    ids: list[int] = []
    for i, month in enumerate(months):
        for k in range(4):  # publish four documents this month, approve some later
            ids.append(_add(store, 10 * i + k, _on(month, 3 + k), status=PENDING))
        pending = [d for d in ids if store.get_document(d).review_status == PENDING]  # type: ignore[union-attr]
        store.set_review_status(rng.sample(pending, k=min(3, len(pending))), APPROVED, user="ana")
        _close(store, month)
    store.set_review_status(ids, APPROVED, user="ana")
    _close(store, Month(2020, 10))
    held = [
        f.document_id
        for m in [*months, Month(2020, 10)]
        for f in store.digest(m).frozen  # type: ignore[union-attr]
    ]
    assert sorted(held) == sorted(ids)


def test_editors_move_and_reorder_entries_and_write_an_introduction(store: Store) -> None:
    a = _add(store, 1, _on(JULY, 1), topics=("cybersecurity",))
    b = _add(store, 2, _on(JULY, 2), topics=("cybersecurity",))
    c = _add(store, 3, _on(JULY, 3), topics=("minors",))
    placements = [Placement(b, "cybersecurity", 0), Placement(c, "cybersecurity", 1)]
    revision = store.save_digest_layout(JULY, 0, introduction="Busy month.", placements=placements)
    digest = load(store, JULY, Settings(), GLOSSARY).digest
    assert digest.introduction == "Busy month."
    assert [(s.key, [e.document_id for e in s.entries]) for s in digest.sections] == [
        ("cybersecurity", [b, c, a])  # placed entries first, in order; the rest by date
    ]
    with pytest.raises(DigestConflict, match="changed since you opened it"):
        store.save_digest_layout(JULY, 0, introduction="Stale.", placements=[])
    _close(store, JULY)
    frozen = store.digest(JULY)
    assert frozen is not None and frozen.revision == revision + 1
    assert [(f.document_id, f.section, f.position) for f in frozen.frozen] == [
        (b, "cybersecurity", 0),
        (c, "cybersecurity", 1),
        (a, "cybersecurity", 2),
    ]


def test_reopening_returns_a_digest_to_draft_with_its_layout(store: Store) -> None:
    a = _add(store, 1, _on(JULY, 1))
    _close(store, JULY)
    record = store.digest(JULY)
    assert record is not None
    store.reopen_digest(JULY, record.revision)
    draft = load(store, JULY, Settings(), GLOSSARY)
    assert draft.digest.status == "draft"
    assert [e.document_id for e in draft.digest.entries()] == [a]
    with pytest.raises(DigestError, match="only an approved one reopens"):
        store.reopen_digest(JULY, draft.revision)


def test_demo_approvals_mark_the_digest_as_a_demo_that_is_never_sendable(store: Store) -> None:
    confident = store.save_document(_doc(1, _on(JULY, 3)), seen_at=SEEN).document_id
    unsure = store.save_document(_doc(2, _on(JULY, 4)), seen_at=SEEN).document_id
    _score(store, {confident: 0.93, unsure: 0.41})
    assert store.demo_approve(0.6) == [confident]
    assert [e.user for e in store.review_events(confident)] == ["demo"]
    draft = load(store, JULY, Settings(), GLOSSARY).digest
    assert draft.demo and not draft.sendable()
    assert [e.demo for e in draft.entries()] == [True]
    _close(store, JULY)
    closed = load(store, JULY, Settings(), GLOSSARY).digest
    assert closed.demo and closed.status == APPROVED and not closed.sendable()


def test_an_editors_approval_makes_a_sendable_digest(store: Store) -> None:
    _add(store, 1, _on(JULY, 3))
    _close(store, JULY)
    assert load(store, JULY, Settings(), GLOSSARY).digest.sendable()


def test_the_latest_month_is_the_newest_publication(store: Store) -> None:
    assert latest_month(store) is None
    _add(store, 1, _on(JUNE, 3), status=PENDING)
    _add(store, 2, datetime(2020, 7, 31, 16, 30, tzinfo=UTC), status=PENDING)
    assert latest_month(store) == AUGUST


def _score(store: Store, scores: dict[int, float]) -> None:
    """Record model-set topics with these best scores."""
    from sqlalchemy import insert

    from storage.schema import document_topics

    with store.engine.begin() as conn:
        for doc_id, score in scores.items():
            conn.execute(
                insert(document_topics).values(
                    document_id=doc_id,
                    topic="cybersecurity",
                    set_by="model",
                    model_version=None,
                    score=score,
                    editor="",
                    set_at=SEEN,
                )
            )


def test_months_parse_strictly() -> None:
    assert Month.parse("2020-07") == JULY and str(JULY) == "2020-07"
    assert JULY.english() == "July 2020" and Month(2020, 12).next() == Month(2021, 1)
    for bad in ("2020-7", "2020-13", "July", "2020-07-01", ""):
        with pytest.raises(DigestError, match="YYYY-MM"):
            Month.parse(bad)
    assert replace(JULY, month=8) == AUGUST
