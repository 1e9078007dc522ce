"""An iCalendar (RFC 5545) writer for comment deadlines: all-day events, folded, escaped.

Written by hand: CRLF line endings, content lines folded at 75 octets without splitting a
UTF-8 character, TEXT values escaped (backslash, semicolon, comma, newline), control
characters and lone surrogates dropped, links only through :func:`model.sanitize.safe_link`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from model.sanitize import safe_link

PRODID = "-//regwatch//comment deadlines//EN"
LINE_OCTETS = 75
"""The longest content line (without its CRLF), in octets."""

_NEWLINES = re.compile(r"\r\n|\r|\n")
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TEXT_SPECIALS = re.compile(r"[\\;,\n]")


@dataclass(frozen=True)
class DeadlineEvent:
    """The last day to comment on a draft, as an all-day event."""

    uid: str
    day: date
    summary: str
    description: str
    url: str
    stamp: datetime
    """When this event's information last changed (written as DTSTAMP, in UTC)."""
    sequence: int = 0

    def __post_init__(self) -> None:
        if self.stamp.tzinfo is None or self.stamp.utcoffset() is None:
            raise ValueError(f"stamp must be timezone-aware, got {self.stamp!r}")


def escape_text(value: str) -> str:
    """A TEXT value: newlines as ``\\n``; backslash, semicolon and comma escaped."""
    value = _UNWANTED.sub("", _NEWLINES.sub("\n", value))
    return _TEXT_SPECIALS.sub(lambda m: "\\n" if m[0] == "\n" else "\\" + m[0], value)


def fold(line: str) -> bytes:
    """One content line in UTF-8, CRLF-ended, folded at 75 octets between characters."""
    pieces: list[bytes] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > LINE_OCTETS:
            pieces.append(current)
            current = b" "
        current += encoded
    pieces.append(current)
    return b"\r\n".join(pieces) + b"\r\n"


def _day(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _span(day: date) -> list[str]:
    """DTSTART and DTEND (the next day: DTEND is exclusive) of an all-day event."""
    start = f"DTSTART;VALUE=DATE:{_day(day)}"
    return [start] if day == date.max else [start, f"DTEND;VALUE=DATE:{_day(day + timedelta(1))}"]


def _event(event: DeadlineEvent) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{escape_text(event.uid)}", f"DTSTAMP:{_utc(event.stamp)}"]
    lines += _span(event.day)
    lines.append(f"SUMMARY:{escape_text(event.summary)}")
    if event.description.strip():
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if url := safe_link(_UNWANTED.sub("", event.url)):
        lines.append(f"URL:{url}")
    lines += [f"SEQUENCE:{max(event.sequence, 0)}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def calendar(name: str, events: Iterable[DeadlineEvent]) -> bytes:
    """A VCALENDAR named ``name`` holding ``events`` (by day, then UID)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    lines += ["METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for event in sorted(events, key=lambda e: (e.day, e.uid)):
        lines += _event(event)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)
