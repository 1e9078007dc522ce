"""Turning what the crawler saw into health problems, and recording them per channel.

:func:`problem_for_failure` and :func:`problem_for_response` classify; :class:`SourceRun`
collects one poll's :class:`model.health.ChannelRun` per channel and, at the end, moves each
channel's stored :class:`model.health.ChannelHealth` on with :func:`model.health.after_poll`.

Challenge pages are recognised, recorded as ``blocked`` and left alone: the crawler never
tries to solve them or to look like someone else.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.egress import Refused, SourceHalted, address_refusal_for
from crawler.robots import RobotsDisallowed, RobotsUnavailable
from model.health import (
    BLOCKED,
    FETCH_FAILED,
    PARSE_SUSPECT,
    ROBOTS_DISALLOWED,
    THROTTLED,
    ChannelHealth,
    ChannelRun,
    HealthPolicy,
    Problem,
    after_poll,
)

BLOCKING_STATUSES = (403, 412, 521)
CHALLENGE_MAX_BYTES = 32 * 1024
_CHALLENGE_MARKERS = re.compile(
    rb"document\.cookie|__jsl_clearance|acw_sc__v2|_waf_|jiasule|captcha|"
    rb"\xe5\xae\x89\xe5\x85\xa8\xe9\xaa\x8c\xe8\xaf\x81|"  # 安全验证
    rb"\xe8\xae\xbf\xe9\x97\xae\xe5\x8f\x97\xe9\x99\x90",  # 访问受限
    re.IGNORECASE,
)
# Failures by exception type name, so Twisted's and Scrapy's many variants need no imports.
_FAILURE_KINDS = {
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "ResponseDataLossError": "data_loss",
    "_DataLoss": "data_loss",
    "PotentialDataLoss": "data_loss",
    "DownloadCancelledError": "too_large",
    "CancelledError": "too_large",
    "CannotResolveHostError": "dns",
    "DNSLookupError": "dns",
    "DownloadConnectionRefusedError": "connection",
    "ConnectionRefusedError": "connection",
    "ConnectionLost": "connection",
    "ConnectionDone": "connection",
    "ResponseNeverReceived": "connection",
    "ResponseFailed": "connection",
    "DownloadFailedError": "connection",
}


def body_hash(body: bytes) -> str:
    """A short fingerprint of a refusal page, to tell one challenge from another."""
    return hashlib.sha256(body).hexdigest()[:16]


def looks_like_challenge(response: Response) -> bool:
    """A small page with a script (or a cookie being set) and a known anti-bot marker.

    Call it only on a page that lacks the markup the spider expected.
    """
    body = response.body
    if len(body) > CHALLENGE_MAX_BYTES:
        return False
    has_script = b"<script" in body.lower()
    sets_cookie = bool(response.headers.getlist(b"Set-Cookie"))
    return (has_script or sets_cookie) and bool(_CHALLENGE_MARKERS.search(body) or sets_cookie)


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if unreadable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def problem_for_response(response: Response) -> Problem | None:
    """The problem an HTTP status means, if any (blocked, throttled, failed)."""
    status, url = response.status, response.url
    if status in BLOCKING_STATUSES:
        return Problem(
            BLOCKED,
            f"http_{status}",
            f"{status} from {url}: refused by the site",
            status=status,
            body_hash=body_hash(response.body),
        )
    if status == 429:
        raw = response.headers.get(b"Retry-After")
        wait = retry_after_seconds(raw.decode("latin-1")) if raw else None
        said = f"Retry-After {wait:.0f} s" if wait is not None else "no usable Retry-After"
        return Problem(
            THROTTLED, "http_429", f"429 from {url} ({said})", status=429, retry_after=wait
        )
    if status >= 500:
        return Problem(FETCH_FAILED, f"http_{status}", f"{status} from {url} after retries", status)
    if status >= 400:
        return Problem(FETCH_FAILED, f"http_{status}", f"{status} from {url}", status)
    return None


def challenge_problem(response: Response) -> Problem:
    """A 200 page that is an anti-bot challenge instead of the expected content."""
    return Problem(
        BLOCKED,
        "challenge",
        f"{response.status} from {response.url} is a challenge page, not the expected content",
        status=response.status,
        body_hash=body_hash(response.body),
    )


def unreadable_problem(response: Response, what: str, why: str) -> Problem:
    """A page that is neither the expected content nor a challenge: the layout may have moved."""
    return Problem(
        PARSE_SUSPECT,
        f"unreadable_{what}",
        f"{what} {response.url} could not be read ({why}); has the layout changed?",
        status=response.status,
        body_hash=body_hash(response.body),
    )


def _unfollowed_redirect(response: Response) -> Problem:
    """A 3xx the redirect middleware would not follow (its Location is not http or https)."""
    location = (response.headers.get(b"Location") or b"").decode("latin-1")
    scheme = location.split(":", 1)[0].lower() if ":" in location else ""
    kind = "refused_scheme" if scheme and scheme not in ("http", "https") else "redirect"
    return Problem(
        FETCH_FAILED,
        kind,
        f"{response.status} from {response.url} to {location!r}: not followed",
        status=response.status,
    )


def problem_for_failure(failure: Failure, url: str) -> Problem | None:
    """The problem a failed request means; None for consequences of an earlier halt."""
    exc = failure.value
    if isinstance(exc, SourceHalted):
        return None
    if isinstance(exc, HttpError):
        return problem_for_response(exc.response) or _unfollowed_redirect(exc.response)
    if isinstance(exc, RobotsDisallowed):
        return Problem(ROBOTS_DISALLOWED, "robots_disallowed", str(exc))
    if isinstance(exc, RobotsUnavailable):
        return Problem(FETCH_FAILED, "robots_unreachable", str(exc))
    if isinstance(exc, Refused):
        return Problem(FETCH_FAILED, exc.kind, str(exc))
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "max redirections" in text:  # Scrapy's RedirectMiddleware gave up
            return Problem(FETCH_FAILED, "redirect_loop", f"too many redirects from {url}")
        if "DOWNLOAD_MAXSIZE" in text or "max size" in text:  # the decompressed-size cap
            return Problem(FETCH_FAILED, "too_large", f"{url}: {text}")
        return Problem(FETCH_FAILED, "ignored", f"{url}: {text}")
    name = type(exc).__name__
    kind = _FAILURE_KINDS.get(name, "error")
    refused = address_refusal_for(url) if kind == "dns" else None
    if refused:
        return Problem(FETCH_FAILED, "refused_address", refused)
    message = failure.getErrorMessage().strip() or name
    return Problem(FETCH_FAILED, kind, f"{name} at {url}: {message[:300]}")


class SourceRun:
    """One poll of one source: a ChannelRun per channel, and whether the source halted."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.channels: dict[str, ChannelRun] = {}
        self.halted: Problem | None = None
        self.cut: set[str] = set()

    def channel(self, name: str) -> ChannelRun:
        """The run record of channel ``name`` (created on first use)."""
        return self.channels.setdefault(name, ChannelRun())

    def record(self, channel: str, problem: Problem) -> None:
        """Add a problem; a blocked or throttled answer halts the whole source."""
        self.channel(channel).problems.append(problem)
        if problem.state in (BLOCKED, THROTTLED) and self.halted is None:
            self.halted = problem

    def cut_short(self, channel: str) -> None:
        """A request of ``channel`` was dropped because the source halted."""
        self.channel(channel)
        self.cut.add(channel)

    def clean(self, channel: str) -> bool:
        """True when nothing went wrong on ``channel`` and none of its requests was dropped."""
        run = self.channels.get(channel)
        return run is None or (not run.problems and channel not in self.cut)

    def finish(
        self, previous: list[ChannelHealth], now: datetime, policy: HealthPolicy
    ) -> list[ChannelHealth]:
        """Every polled channel's next health; channels cut short by a halt share its problem."""
        before = {h.channel: h for h in previous}
        rows = []
        for name, run in self.channels.items():
            if self.halted is not None and name in self.cut and not run.problems:
                run.problems.append(self.halted)
            prev = before.get(name) or ChannelHealth(self.source, name)
            rows.append(after_poll(prev, run, now, policy))
        return rows
