"""The published set of feeds and calendars, read from the store: paths to bytes.

Paths (under ``<feeds.base_url>/feeds/``): ``all.rss|atom``, ``topic/<key>.rss|atom``,
``source/<name>.rss|atom`` (``manual``: documents editors added by hand), ``feeds.opml``,
``deadlines.ics`` and ``deadlines/<key>.ics``. Entries hold approved documents only, newest
publication first. An entry's id comes from the document id alone, and its ``updated`` is
when the document's current version was first seen, so neither moves on an editor's edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from config import Settings
from digest import feeds, ical
from digest.entry import EntryText, entry_text
from digest.feeds import Feed, FeedItem
from digest.files import write_atomically
from model.document import Document
from model.glossary import Glossary
from model.status import APPROVED
from model.topics import Topic, bundled_topics
from storage import DocumentFilter, Store

MANUAL = "manual"
"""The source of documents editors added by hand."""
TAG_DATE = "2026"
FEED_KINDS = ("rss", "atom")


@dataclass(frozen=True)
class Channel:
    """One file of the set: its path, title, kind and which approved documents it holds."""

    path: str
    title: str
    kind: str
    """``rss``, ``atom``, ``ics`` or ``opml``."""
    topic: str | None = None
    source: str | None = None


def _selections(
    topics: Sequence[Topic], sources: Mapping[str, str], title: str
) -> list[tuple[str, str, str | None, str | None]]:
    """(stem, title, topic, source) of every feed."""
    found: list[tuple[str, str, str | None, str | None]] = [("all", f"{title}: all", None, None)]
    found += [(f"topic/{t.key}", f"{title}: {t.name_en}", t.key, None) for t in topics]
    found += [(f"source/{n}", f"{title}: {label}", None, n) for n, label in sources.items()]
    return found


def catalogue(
    topics: Sequence[Topic], sources: Mapping[str, str], title: str
) -> dict[str, Channel]:
    """Every path of the set for these topics and sources (name → label), with what it holds."""
    channels = {
        f"{stem}.{kind}": Channel(f"{stem}.{kind}", name, kind, topic, source)
        for stem, name, topic, source in _selections(topics, sources, title)
        for kind in FEED_KINDS
    }
    channels["feeds.opml"] = Channel("feeds.opml", f"{title}: feeds", "opml")
    channels["deadlines.ics"] = Channel("deadlines.ics", f"{title}: comment deadlines", "ics")
    for t in topics:
        path = f"deadlines/{t.key}.ics"
        channels[path] = Channel(path, f"{title}: comment deadlines, {t.name_en}", "ics", t.key)
    return channels


def feed_url(base_url: str, path: str) -> str:
    """The absolute address of a path of the set."""
    return f"{base_url.rstrip('/')}/feeds/{quote(path)}"


def entry_updated(doc: Document) -> datetime:
    """When the document's current version was first seen (amendments move it, edits do not)."""
    seen = doc.versions[-1].seen_at if doc.versions else doc.first_seen
    for at in (seen, doc.published_at, doc.last_seen):
        if at is not None:
            return at
    raise ValueError(f"document {doc.id} has no date to give its entry")


def _paragraphs(summary: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in summary.splitlines() if line.strip())


class FeedSet:
    """The set as the store holds it now, for one Beijing day (which deadlines are open)."""

    def __init__(self, store: Store, settings: Settings, glossary: Glossary, today: date) -> None:
        self.store = store
        self.settings = settings
        self.glossary = glossary
        self.today = today
        self.topics = [*bundled_topics(), *store.editor_topics()]
        labels = {name: source.label for name, source in settings.sources.items()}
        self.channels = catalogue(self.topics, labels | {MANUAL: "added by editors"}, self.title)
        self.host = urlsplit(self.base_url).hostname or "regwatch.invalid"
        self._documents: dict[tuple[str | None, str | None], list[Document]] = {}

    @property
    def title(self) -> str:
        return self.settings.feeds.title

    @property
    def base_url(self) -> str:
        return self.settings.feeds.base_url.rstrip("/")

    def tag(self, what: str) -> str:
        """A stable tag URI (RFC 4151) under the host of ``feeds.base_url``."""
        return f"tag:{self.host},{TAG_DATE}:{what}"

    def paths(self) -> list[str]:
        """Every path of the set."""
        return list(self.channels)

    def render(self, path: str) -> bytes | None:
        """The bytes at ``path``, or None when the set has no such path."""
        channel = self.channels.get(path)
        return None if channel is None else self.render_channel(channel)

    def render_channel(self, channel: Channel) -> bytes:
        """The bytes of one file of the set."""
        if channel.kind == "opml":
            return self.opml()
        if channel.kind == "ics":
            return self.calendar(channel)
        feed = self.feed(channel)
        return feeds.rss(feed) if channel.kind == "rss" else feeds.atom(feed)

    def build(self) -> dict[str, bytes]:
        """Every path of the set with its bytes."""
        return {path: self.render_channel(c) for path, c in self.channels.items()}

    def approved(self, topic: str | None, source: str | None) -> list[Document]:
        """The newest approved documents of a topic or source (all when both are None)."""
        key = (topic, source)
        if key not in self._documents:
            flt = DocumentFilter(
                review_status=APPROVED,
                topic=topic,
                source=source,
                sort="newest",
                limit=max(self.settings.feeds.max_entries, 0),
            )
            self._documents[key] = self.store.list_documents(flt)
        return self._documents[key]

    def item(self, doc: Document) -> FeedItem:
        """A document's entry."""
        text = entry_text(doc, self.glossary)
        updated = entry_updated(doc)
        return FeedItem(
            id=self.tag(f"document/{doc.id}"),
            title=text.headline,
            link=text.link,
            published=doc.published_at or doc.first_seen or updated,
            updated=updated,
            original_title=text.original_title,
            lead=text.lead,
            paragraphs=_paragraphs(text.summary),
            bullets=text.bullets,
            categories=tuple(doc.topic_keys()),
        )

    def feed(self, channel: Channel) -> Feed:
        """The feed of an RSS or Atom path."""
        documents = self.approved(channel.topic, channel.source)
        return Feed(
            path=channel.path,
            title=channel.title,
            subtitle="Approved data, cyber and privacy regulation from Chinese government sites",
            self_url=feed_url(self.base_url, channel.path),
            home_url=f"{self.base_url}/",
            items=tuple(self.item(d) for d in documents),
            id=self.tag(f"feeds/{channel.path}"),
        )

    def opml(self) -> bytes:
        """The list of every feed of the set, once each (Atom; the same path ends .rss too)."""
        listed = [
            (c.title, feed_url(self.base_url, p))
            for p, c in self.channels.items()
            if c.kind == "atom"
        ]
        home = f"{self.base_url}/"
        return feeds.opml(f"{self.title}: feeds", [(t, url, home) for t, url in listed])

    def calendar(self, channel: Channel) -> bytes:
        """The open comment deadlines of approved documents (of one topic, or all)."""
        flt = DocumentFilter(
            review_status=APPROVED, topic=channel.topic, deadline_from=self.today, sort="deadline"
        )
        events = [self.deadline(d) for d in self.store.list_documents(flt)]
        return ical.calendar(channel.title, events)

    def deadline(self, doc: Document) -> ical.DeadlineEvent:
        """A document's comment deadline as an all-day event."""
        assert doc.comment_deadline is not None
        text = entry_text(doc, self.glossary)
        return ical.DeadlineEvent(
            uid=f"deadline-{doc.id}@{self.host}",
            day=doc.comment_deadline,
            summary=f"Comments due: {text.headline}",
            description=_description(text),
            url=text.link,
            stamp=entry_updated(doc),
            sequence=max(len(doc.versions) - 1, 0),
        )


def _description(text: EntryText) -> str:
    return "\n\n".join(p for p in (text.original_title, text.lead, text.link) if p)


def build_feeds(
    store: Store, settings: Settings, glossary: Glossary, today: date
) -> dict[str, bytes]:
    """The whole set: path → bytes."""
    return FeedSet(store, settings, glossary, today).build()


def render_path(
    path: str, store: Store, settings: Settings, glossary: Glossary, today: date
) -> bytes | None:
    """The bytes of one path of the set; None for a path the set does not have."""
    return FeedSet(store, settings, glossary, today).render(path)


def write_feeds(
    directory: Path, store: Store, settings: Settings, glossary: Glossary, today: date
) -> list[Path]:
    """Write the whole set under ``directory``; returns the files written."""
    root = directory.resolve()
    written = []
    for path, data in build_feeds(store, settings, glossary, today).items():
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            raise ValueError(f"feed path {path!r} leaves {root}")
        write_atomically(target, data)
        written.append(target)
    return written
