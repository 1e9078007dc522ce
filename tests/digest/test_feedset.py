"""The feed set from a real store (SQLite and PostgreSQL): what each feed and calendar holds."""

from __future__ import annotations

import calendar
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import icalendar
import pytest
from lxml import etree

from config import Settings, load_settings
from digest.feedset import FeedSet, build_feeds, render_path, write_feeds
from digest.files import write_atomically
from model import APPROVED, BEIJING, BUNDLED_KEYS, REJECTED, Document, Topic, load_glossary
from model.review import Editorial
from storage import Store

T0 = datetime(2026, 3, 10, 8, tzinfo=UTC)
TODAY = date(2026, 4, 1)
BASE = "https://feeds.example.com"
GLOSSARY = load_glossary()
HOSTILE_TITLE = "<script>alert(1)</script>]]>&\x01数据出境安全评估办法"
SOURCES = ("gov_cn", "miit", "cac", "tc260", "manual")


def settings(**flags: Any) -> Settings:
    return load_settings({"feeds.base_url": BASE, **flags}, environ={})


def doc(n: int, **fields: Any) -> Document:
    values: dict[str, Any] = {
        "url": f"https://www.miit.gov.cn/zwgk/wjgs/{n}.html",
        "source": "miit",
        "title": f"工业和信息化部关于第{n}号文件的通知",
        "body_text": f"第{n}号文件正文。" * 30,
        "issuers": ["工业和信息化部"],
        "published_at": datetime(2026, 3, n, 9, tzinfo=BEIJING),
    }
    return Document(**(values | fields))


def add(
    store: Store, n: int, *, status: str = APPROVED, topics: tuple[str, ...] = (), **f: Any
) -> int:
    doc_id = store.save_document(doc(n, **f), seen_at=T0).document_id
    if topics:
        store.set_topics(doc_id, topics, editor="ana")
    if status != "pending":
        store.set_review_status([doc_id], status, user="ana")
    return doc_id


def edit(store: Store, doc_id: int, headline: str, at: datetime | None = None) -> None:
    """An editor's save of a new English headline."""
    found = store.get_document(doc_id)
    assert found is not None
    store.review(doc_id, found.revision, user="ana", editorial=Editorial(headline), at=at)


def tag(doc_id: int) -> str:
    return f"tag:feeds.example.com,2026:document/{doc_id}"


def render(store: Store, path: str, **flags: Any) -> bytes:
    data = render_path(path, store, settings(**flags), GLOSSARY, TODAY)
    assert data is not None, path
    return data


def entries(store: Store, path: str, **flags: Any) -> list[Any]:
    result = feedparser.parse(render(store, path, **flags))
    assert not result.bozo, result.get("bozo_exception")
    return list(result.entries)


def ids(store: Store, path: str, **flags: Any) -> list[str]:
    return [e.id for e in entries(store, path, **flags)]


def events(store: Store, path: str) -> list[Any]:
    return list(icalendar.Calendar.from_ical(render(store, path)).walk("VEVENT"))


def instant(struct: Any) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(struct), UTC)


# --- what the feeds hold ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["all.rss", "all.atom"])
def test_feeds_hold_approved_documents_only(store: Store, path: str) -> None:
    approved = add(store, 1)
    add(store, 2, status="pending")
    add(store, 3, status=REJECTED)
    assert ids(store, path) == [tag(approved)]


def test_newest_publication_first_and_at_most_max_entries(store: Store) -> None:
    found = [add(store, n) for n in (2, 4, 1, 3)]
    newest = [tag(found[i]) for i in (1, 3, 0)]
    assert ids(store, "all.atom", **{"feeds.max_entries": 3}) == newest


def test_the_title_is_the_editors_headline_else_the_original_title(store: Store) -> None:
    edited, plain = add(store, 1), add(store, 2)
    edit(store, edited, "MIIT issues Notice No. 1")
    by_id = {e.id: e for e in entries(store, "all.atom")}
    assert by_id[tag(edited)].title == "MIIT issues Notice No. 1"
    assert by_id[tag(plain)].title == "工业和信息化部关于第2号文件的通知"
    body = by_id[tag(edited)].content[0].value
    assert "Original title: 工业和信息化部关于第1号文件的通知" in body
    link = "https://www.miit.gov.cn/zwgk/wjgs/1.html"
    assert f'<a href="{link}">{link}</a>' in body
    assert by_id[tag(edited)].link == link


def test_the_entry_keeps_its_id_and_updated_moves_only_on_an_amendment(store: Store) -> None:
    doc_id = add(store, 1)
    [first] = entries(store, "all.atom")
    assert first.id == tag(doc_id) and instant(first.updated_parsed) == T0
    edit(store, doc_id, "New headline", at=T0 + timedelta(1))
    [edited] = entries(store, "all.atom")
    assert (edited.id, edited.title) == (first.id, "New headline")
    assert edited.updated_parsed == first.updated_parsed
    store.save_document(doc(1), seen_at=T0 + timedelta(2))  # re-crawled, unchanged
    assert entries(store, "all.atom")[0].updated_parsed == first.updated_parsed
    store.save_document(doc(1, body_text="修改后的正文。" * 30), seen_at=T0 + timedelta(3))
    assert entries(store, "all.atom") == []  # an amendment goes back to review
    store.set_review_status([doc_id], APPROVED, user="ana")
    [amended] = entries(store, "all.atom")
    assert amended.id == first.id and instant(amended.updated_parsed) == T0 + timedelta(3)


def test_a_sighting_at_another_url_and_source_keeps_the_one_entry(store: Store) -> None:
    number = "工信部网安〔2026〕1号"
    doc_id = add(store, 1, doc_number=number)
    again = doc(1, doc_number=number, source="gov_cn", url="https://www.gov.cn/zhengce/1.htm")
    assert store.save_document(again, seen_at=T0 + timedelta(1)).document_id == doc_id
    for path in ("all.rss", "source/miit.rss", "source/gov_cn.atom"):
        assert ids(store, path) == [tag(doc_id)], path


def test_topic_and_source_feeds_hold_their_own_documents(store: Store) -> None:
    minors = add(store, 1, topics=("minors",))
    cross = add(
        store,
        2,
        topics=("cross_border", "minors"),
        source="cac",
        url="https://www.cac.gov.cn/2.htm",
    )
    manual = Document(
        url="https://example.org/a.html", title="手工添加的文件", source="manual", body_text="正文"
    )
    by_hand = store.add_by_hand(manual, user="ana", how="pasted").document_id
    store.set_review_status([by_hand], APPROVED, user="ana")
    assert ids(store, "topic/minors.atom") == [tag(cross), tag(minors)]
    assert ids(store, "topic/cross_border.rss") == [tag(cross)]
    assert ids(store, "topic/cii.atom") == []
    assert ids(store, "source/miit.atom") == [tag(minors)]
    assert ids(store, "source/cac.rss") == [tag(cross)]
    assert ids(store, "source/manual.atom") == [tag(by_hand)]
    assert ids(store, "source/tc260.rss") == []
    [entry] = entries(store, "topic/cross_border.atom")
    assert sorted(t.term for t in entry.tags) == ["cross_border", "minors"]


def test_an_editors_topic_gets_its_feeds_and_calendar(store: Store) -> None:
    store.add_topic(Topic("telecom", "Telecoms", "电信", "Licensing.", "许可。", added_by="ana"))
    doc_id = add(store, 1, topics=("telecom",), comment_deadline=TODAY)
    paths = FeedSet(store, settings(), GLOSSARY, TODAY).paths()
    assert {"topic/telecom.rss", "topic/telecom.atom", "deadlines/telecom.ics"} <= set(paths)
    assert ids(store, "topic/telecom.atom") == [tag(doc_id)]
    assert [str(e["UID"]) for e in events(store, "deadlines/telecom.ics")] == [
        f"deadline-{doc_id}@feeds.example.com"
    ]


# --- calendars -------------------------------------------------------------------------------


def test_calendars_hold_open_deadlines_of_approved_documents_only(store: Store) -> None:
    later = add(store, 1, comment_deadline=TODAY + timedelta(10), topics=("minors",))
    today = add(store, 2, comment_deadline=TODAY)
    add(store, 3, comment_deadline=TODAY - timedelta(1))
    add(store, 4, comment_deadline=TODAY + timedelta(5), status="pending")
    add(store, 5)
    found = events(store, "deadlines.ics")
    uid = "deadline-{}@feeds.example.com".format
    assert [str(e["UID"]) for e in found] == [uid(today), uid(later)]
    assert [e["DTSTART"].dt for e in found] == [TODAY, TODAY + timedelta(10)]
    assert [str(e["UID"]) for e in events(store, "deadlines/minors.ics")] == [uid(later)]
    assert events(store, "deadlines/cross_border.ics") == []


def test_a_deadline_event_names_the_document_and_links_to_it(store: Store) -> None:
    doc_id = add(store, 1, comment_deadline=date(2026, 4, 20), is_draft_for_comment=True)
    edit(store, doc_id, "MIIT seeks comments")
    [event] = events(store, "deadlines.ics")
    link = "https://www.miit.gov.cn/zwgk/wjgs/1.html"
    assert event["SUMMARY"] == "Comments due: MIIT seeks comments"
    description = str(event["DESCRIPTION"])
    assert "工业和信息化部关于第1号文件的通知" in description and link in description
    assert "to seek public opinions by April 20, 2026" in description  # the lead sentence
    assert str(event["URL"]) == link
    assert event["DTEND"].dt == date(2026, 4, 21)


# --- paths -----------------------------------------------------------------------------------


UNKNOWN = ("topic/no_such_topic.rss", "topic/minors.json", "topic/<script>.atom", "ALL.RSS")
UNKNOWN += ("source/evil.rss", "source/../all.rss", "deadlines/minors.rss", "deadlines/no.ics")
UNKNOWN += ("../all.rss", "")


@pytest.mark.parametrize("path", UNKNOWN)
def test_a_path_the_set_does_not_have_renders_nothing(store: Store, path: str) -> None:
    assert render_path(path, store, settings(), GLOSSARY, TODAY) is None


def test_the_set_has_every_feed_and_each_parses_back(store: Store) -> None:
    add(store, 1, title=HOSTILE_TITLE, topics=("cross_border",))
    add(store, 2, comment_deadline=TODAY, topics=("minors",))
    built = build_feeds(store, settings(), GLOSSARY, TODAY)
    stems = ["all", *(f"topic/{k}" for k in BUNDLED_KEYS), *(f"source/{s}" for s in SOURCES)]
    expected = {f"{stem}.{kind}" for stem in stems for kind in ("rss", "atom")}
    expected |= {"feeds.opml", "deadlines.ics", *(f"deadlines/{k}.ics" for k in BUNDLED_KEYS)}
    assert set(built) == expected
    for path, data in built.items():
        if path.endswith(".ics"):
            icalendar.Calendar.from_ical(data)
            continue
        etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))
        if not path.endswith(".opml"):
            assert not feedparser.parse(data).bozo, path
    assert "<script>" not in built["all.atom"].decode()


def test_the_opml_lists_every_feed_once_by_its_absolute_address(store: Store) -> None:
    fs = FeedSet(store, settings(), GLOSSARY, TODAY)
    root = etree.fromstring(fs.render("feeds.opml"))
    listed = [o.get("xmlUrl") for o in root.iter("outline")]
    feeds = [p for p in fs.paths() if p.endswith(".atom")]
    assert sorted(listed) == sorted(f"{BASE}/feeds/{p}" for p in feeds)
    assert {o.get("htmlUrl") for o in root.iter("outline")} == {f"{BASE}/"}
    self_link = etree.fromstring(fs.render("topic/minors.rss")).find(
        "channel/{http://www.w3.org/2005/Atom}link"
    )
    assert self_link.get("href") == f"{BASE}/feeds/topic/minors.rss"


# --- files -----------------------------------------------------------------------------------


def files_under(directory: Path) -> dict[str, bytes]:
    found = directory.rglob("*")
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in found if p.is_file()}


def test_write_feeds_writes_every_path_of_the_set(store: Store, tmp_path: Path) -> None:
    add(store, 1, comment_deadline=TODAY)
    out = tmp_path / "feeds"
    written = write_feeds(out, store, settings(), GLOSSARY, TODAY)
    built = build_feeds(store, settings(), GLOSSARY, TODAY)
    assert files_under(out) == built  # and no temporary file left behind
    assert sorted(written) == sorted((out / p).resolve() for p in built)
    add(store, 2)
    write_feeds(out, store, settings(), GLOSSARY, TODAY)
    assert files_under(out) == build_feeds(store, settings(), GLOSSARY, TODAY)
    assert len(feedparser.parse((out / "all.atom").read_bytes()).entries) == 2


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "topic" / "minors.atom"
    write_atomically(target, b"old")

    def broken_disk(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_disk)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["minors.atom"]
