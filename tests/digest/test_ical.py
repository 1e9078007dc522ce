"""The iCalendar writer: folding at 75 octets, TEXT escaping, all-day events, CRLF."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import icalendar
import pytest

from digest.ical import PRODID, DeadlineEvent, calendar, escape_text, fold
from model.document import BEIJING

CHINESE = "关于公开征求《网络数据安全管理条例（征求意见稿）》意见的通知"
STAMP = datetime(2026, 3, 2, 9, 30, tzinfo=BEIJING)


def event(**fields: Any) -> DeadlineEvent:
    values: dict[str, Any] = {
        "uid": "deadline-7@feeds.example.com",
        "day": date(2026, 8, 14),
        "summary": f"Comments due: {CHINESE}",
        "description": f"{CHINESE}\n\nOn March 2, 2026, the CAC issued the draft.",
        "url": "https://www.cac.gov.cn/2026-03/02/c_1.htm?a=1,b=2;c",
        "stamp": STAMP,
    }
    return DeadlineEvent(**(values | fields))


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def only_event(data: bytes) -> Any:
    events = parse(data).walk("VEVENT")
    assert len(events) == 1
    return events[0]


# --- lines -----------------------------------------------------------------------------------


def test_every_line_ends_in_crlf_and_no_bare_newline_is_left() -> None:
    data = calendar("regwatch", [event(description="a\nb\r\nc\rd")])
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize("pad", range(4))
def test_lines_fold_at_75_octets_without_splitting_a_character(pad: int) -> None:
    summary = "x" * pad + CHINESE * 4  # each pad shifts where a 3-octet character meets octet 75
    data = calendar("regwatch", [event(summary=summary)])
    lines = physical_lines(data)
    assert max(len(line) for line in lines) <= 75
    assert any(len(line) >= 73 for line in lines)
    for line in lines:
        line.decode("utf-8")  # a split character would not decode
    assert only_event(data)["SUMMARY"] == summary


def test_fold_leaves_short_lines_alone_and_continues_with_one_space() -> None:
    assert fold("SUMMARY:short") == b"SUMMARY:short\r\n"
    folded = fold("DESCRIPTION:" + "数" * 40)
    first, second = folded.split(b"\r\n")[:2]
    assert len(first) == 75 and second.startswith(b" ") and not second.startswith(b"  ")
    assert folded.replace(b"\r\n ", b"") == ("DESCRIPTION:" + "数" * 40 + "\r\n").encode()


# --- escaping --------------------------------------------------------------------------------


def test_text_values_escape_backslash_semicolon_comma_and_newlines() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"


def test_escaped_text_round_trips_through_a_calendar_parser() -> None:
    tricky = "C:\\path; one, two\nsecond line"
    data = calendar("Deadlines, drafts; all", [event(summary=tricky, description=tricky)])
    assert b"SUMMARY:C:\\\\path\\; one\\, two\\nsecond line" in data
    assert b"X-WR-CALNAME:Deadlines\\, drafts\\; all\r\n" in data
    found = only_event(data)
    assert found["SUMMARY"] == tricky and found["DESCRIPTION"] == tricky


def test_control_characters_and_lone_surrogates_are_dropped() -> None:
    data = calendar("cal\x00", [event(summary="a\x00b\x1bc\x7fd\ud800e\ufffff\tg")])
    assert only_event(data)["SUMMARY"] == "abcdef\tg"


def test_a_url_with_a_bad_scheme_is_left_out_and_a_good_one_kept_verbatim() -> None:
    assert "URL" not in only_event(calendar("c", [event(url="javascript:alert(1)")]))
    good = calendar("c", [event()])
    assert b"URL:https://www.cac.gov.cn/2026-03/02/c_1.htm?a=1,b=2;c\r\n" in good


# --- the calendar and its events -------------------------------------------------------------


def test_the_calendar_names_itself_and_its_producer() -> None:
    data = calendar("regwatch: comment deadlines", [])
    lines = physical_lines(data)
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
    for expected in (b"VERSION:2.0", f"PRODID:{PRODID}".encode(), b"CALSCALE:GREGORIAN"):
        assert expected in lines
    assert b"X-WR-CALNAME:regwatch: comment deadlines" in lines
    assert parse(data).walk("VEVENT") == []


@pytest.mark.parametrize(
    ("day", "end"),
    [(date(2026, 8, 14), date(2026, 8, 15)), (date(2026, 12, 31), date(2027, 1, 1))],
)
def test_deadlines_are_all_day_events_ending_the_next_day(day: date, end: date) -> None:
    data = calendar("c", [event(day=day)])
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\n".encode() in data
    found = only_event(data)
    assert found["DTSTART"].dt == day and not isinstance(found["DTSTART"].dt, datetime)
    assert found["DTEND"].dt == end


def test_the_stamp_is_written_in_utc_and_the_uid_as_given() -> None:
    data = calendar("c", [event(sequence=2)])
    assert b"DTSTAMP:20260302T013000Z\r\n" in data
    found = only_event(data)
    assert found["DTSTAMP"].dt == STAMP.astimezone(UTC)
    assert found["UID"] == "deadline-7@feeds.example.com"
    assert found["SEQUENCE"] == 2


def test_events_come_by_day_and_the_output_does_not_change() -> None:
    late = event(uid="b", day=date(2026, 9, 1))
    early = event(uid="a", day=date(2026, 8, 1))
    data = calendar("c", [late, early])
    assert [str(e["UID"]) for e in parse(data).walk("VEVENT")] == ["a", "b"]
    assert calendar("c", [early, late]) == data


def test_a_naive_stamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        event(stamp=datetime(2026, 3, 2, 9))
