"""Source health: the state of each source and channel, and how one poll moves it.

A compliance team must be able to tell "nothing new was published" from "we could not look".
Every poll of a channel ends in a :class:`ChannelRun` (what was seen, what went wrong);
:func:`after_poll` turns the previous :class:`ChannelHealth` and that run into the next one.
All rules live here, free of I/O, so they can be read and tested in one place.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from statistics import median

OK = "ok"
THROTTLED = "throttled"
BLOCKED = "blocked"
PARSE_SUSPECT = "parse_suspect"
FETCH_FAILED = "fetch_failed"
ROBOTS_DISALLOWED = "robots_disallowed"
STALE = "stale"

SEVERITY = (BLOCKED, ROBOTS_DISALLOWED, THROTTLED, FETCH_FAILED, PARSE_SUSPECT, STALE, OK)
"""States from worst to best: a source shows the worst state of its channels."""

STATE_HELP = {
    OK: "fetched and parsed normally",
    THROTTLED: "the site answered 429; waiting as its Retry-After says",
    BLOCKED: "refused by the site (403/412/521, a challenge page, or repeated 429); "
    "not retried until the cool-down ends",
    PARSE_SUSPECT: "a list that had entries parsed to none, or could not be read: "
    "the layout may have changed",
    FETCH_FAILED: "timeouts, 5xx after retries, bad redirects or robots.txt unreachable",
    ROBOTS_DISALLOWED: "robots.txt disallows the page; it is not fetched",
    STALE: "no new document for much longer than this source usually goes",
}


@dataclass(frozen=True)
class Problem:
    """One thing that went wrong during a poll, and the state it puts the channel in."""

    state: str
    kind: str
    detail: str
    status: int | None = None
    body_hash: str = ""
    retry_after: float | None = None


@dataclass
class ChannelRun:
    """What one poll saw on one channel."""

    listed: int | None = None
    """Entries parsed from the list page; None when it was not parsed (not modified, failed)."""
    new: int = 0
    problems: list[Problem] = field(default_factory=list)
    skipped: str = ""
    """Why the channel was not polled at all this time; empty when it was."""

    def worst(self) -> Problem | None:
        """The problem that decides the channel's state, if any."""
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: SEVERITY.index(p.state))


@dataclass(frozen=True)
class ChannelHealth:
    """The remembered state of one channel of a source (channel "" stands for the source)."""

    source: str
    channel: str
    state: str = OK
    reason: str = ""
    checked_at: datetime | None = None
    last_success_at: datetime | None = None
    last_new_at: datetime | None = None
    last_listed: int | None = None
    consecutive_failures: int = 0
    error_counts: dict[str, int] = field(default_factory=dict)
    status: int | None = None
    body_hash: str = ""
    retry_at: datetime | None = None

    def waiting(self, now: datetime) -> bool:
        """True while the channel must not be polled (Retry-After or blocked cool-down)."""
        return self.retry_at is not None and now < self.retry_at


@dataclass(frozen=True)
class HealthPolicy:
    """The knobs of the rules (settings ``health.*``)."""

    blocked_retry: timedelta = timedelta(hours=24)
    max_retry_after: timedelta = timedelta(days=1)
    default_retry_after: timedelta = timedelta(hours=1)
    stale_factor: float = 3.0
    stale_min_documents: int = 5


def after_poll(
    prev: ChannelHealth, run: ChannelRun, now: datetime, policy: HealthPolicy
) -> ChannelHealth:
    """The channel's health after ``run``; counters reset on success, never on a skip."""
    if run.skipped:
        return prev
    if not run.problems and run.listed == 0 and prev.last_listed and prev.state != PARSE_SUSPECT:
        run.problems.append(
            Problem(
                PARSE_SUSPECT,
                "empty_list",
                f"the list parsed to 0 entries; it had {prev.last_listed} last time",
            )
        )
    worst = run.worst()
    last_new_at = now if run.new else prev.last_new_at
    if worst is None:
        return replace(
            prev,
            state=OK,
            reason="",
            checked_at=now,
            last_success_at=now,
            last_new_at=last_new_at,
            last_listed=run.listed if run.listed is not None else prev.last_listed,
            consecutive_failures=0,
            error_counts={},
            status=None,
            body_hash="",
            retry_at=None,
        )
    counts = dict(prev.error_counts)
    for problem in run.problems:
        counts[problem.kind] = counts.get(problem.kind, 0) + 1
    state, reason, retry_at = _judge(prev, worst, now, policy)
    others = len(run.problems) - 1
    if others:
        reason += f" (and {others} more problem{'s' if others > 1 else ''})"
    return replace(
        prev,
        state=state,
        reason=reason,
        checked_at=now,
        last_new_at=last_new_at,
        consecutive_failures=prev.consecutive_failures + 1,
        error_counts=counts,
        status=worst.status,
        body_hash=worst.body_hash,
        retry_at=retry_at,
    )


def _judge(
    prev: ChannelHealth, worst: Problem, now: datetime, policy: HealthPolicy
) -> tuple[str, str, datetime | None]:
    """State, reason and retry time for a poll whose worst problem is ``worst``."""
    if worst.state == THROTTLED:
        wait = (
            timedelta(seconds=worst.retry_after)
            if worst.retry_after is not None
            else policy.default_retry_after
        )
        if prev.state in (THROTTLED, BLOCKED):
            reason = f"{worst.detail}; 429 again after waiting: treated as blocked"
            return BLOCKED, reason, now + policy.blocked_retry
        if wait > policy.max_retry_after:
            reason = f"{worst.detail}; Retry-After longer than {policy.max_retry_after}"
            return BLOCKED, reason, now + policy.blocked_retry
        return THROTTLED, worst.detail, now + wait
    if worst.state == BLOCKED:
        return BLOCKED, worst.detail, now + policy.blocked_retry
    return worst.state, worst.detail, None


def usual_gap(published: list[datetime], min_documents: int) -> timedelta | None:
    """The median gap between consecutive publication dates, or None with too few documents."""
    days = sorted({p.date() for p in published})
    if len(days) < max(min_documents, 2):
        return None
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    return timedelta(days=max(median(gaps), 1))


def stale_reason(published: list[datetime], now: datetime, policy: HealthPolicy) -> str | None:
    """Why a source looks stale (nothing new for ``stale_factor`` × its usual gap), or None."""
    gap = usual_gap(published, policy.stale_min_documents)
    if gap is None:
        return None
    latest = max(published)
    quiet = now - latest
    if quiet <= gap * policy.stale_factor:
        return None
    return (
        f"no new document since {latest.date().isoformat()} ({quiet.days} days); "
        f"it usually publishes every {gap.days} day(s)"
    )


def summarize(
    source: str,
    channels: list[ChannelHealth],
    *,
    published: list[datetime] | None = None,
    now: datetime,
    policy: HealthPolicy,
) -> ChannelHealth:
    """The source as a whole: its worst channel, or stale when every channel is fine."""
    if not channels:
        return ChannelHealth(source, "", state=OK, reason="never polled")
    worst = min(channels, key=lambda c: SEVERITY.index(c.state))
    counts: dict[str, int] = {}
    for channel in channels:
        for kind, n in channel.error_counts.items():
            counts[kind] = counts.get(kind, 0) + n
    state, reason = worst.state, (f"{worst.channel}: {worst.reason}" if worst.reason else "")
    if state == OK and published:
        stale = stale_reason(published, now, policy)
        if stale:
            state, reason = STALE, stale
    return ChannelHealth(
        source=source,
        channel="",
        state=state,
        reason=reason,
        checked_at=_latest(c.checked_at for c in channels),
        last_success_at=_latest(c.last_success_at for c in channels),
        last_new_at=_latest(c.last_new_at for c in channels),
        consecutive_failures=max(c.consecutive_failures for c in channels),
        error_counts=counts,
        status=worst.status,
        body_hash=worst.body_hash,
        retry_at=worst.retry_at,
    )


def _latest(values: object) -> datetime | None:
    present = [v for v in values if isinstance(v, datetime)]  # type: ignore[attr-defined]
    return max(present) if present else None
