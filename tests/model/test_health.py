"""The health rules: how one poll moves a channel's state, and when a source is stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from model.health import (
    BLOCKED,
    FETCH_FAILED,
    OK,
    PARSE_SUSPECT,
    ROBOTS_DISALLOWED,
    STALE,
    THROTTLED,
    ChannelHealth,
    ChannelRun,
    HealthPolicy,
    Problem,
    after_poll,
    stale_reason,
    summarize,
    usual_gap,
)

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
POLICY = HealthPolicy()
FRESH = ChannelHealth("gov_cn", "bmwj")


def poll(
    prev: ChannelHealth, *problems: Problem, listed: int | None = 3, new: int = 0
) -> ChannelHealth:
    return after_poll(
        prev, ChannelRun(listed=listed, new=new, problems=list(problems)), NOW, POLICY
    )


TIMEOUT = Problem(FETCH_FAILED, "timeout", "timed out")
FORBIDDEN = Problem(BLOCKED, "http_403", "403", status=403, body_hash="abcd")
TOO_MANY = Problem(THROTTLED, "http_429", "429", status=429, retry_after=120)


def test_a_clean_poll_is_ok_and_resets_the_counters() -> None:
    failed = poll(poll(FRESH, TIMEOUT), TIMEOUT)
    assert failed.state == FETCH_FAILED and failed.consecutive_failures == 2
    assert failed.error_counts == {"timeout": 2} and failed.retry_at is None
    healed = poll(failed, new=2)
    assert healed.state == OK and healed.consecutive_failures == 0 and healed.error_counts == {}
    assert healed.last_success_at == NOW and healed.last_new_at == NOW


def test_the_worst_problem_decides_and_the_others_are_counted() -> None:
    health = poll(FRESH, TIMEOUT, FORBIDDEN, Problem(ROBOTS_DISALLOWED, "robots_disallowed", "x"))
    assert health.state == BLOCKED and "(and 2 more problems)" in health.reason
    assert health.error_counts == {"timeout": 1, "http_403": 1, "robots_disallowed": 1}
    assert health.status == 403 and health.body_hash == "abcd"


def test_blocked_waits_for_the_cool_down() -> None:
    health = poll(FRESH, FORBIDDEN)
    assert health.retry_at == NOW + POLICY.blocked_retry
    assert health.waiting(NOW + timedelta(hours=1)) and not health.waiting(health.retry_at)


def test_429_waits_as_told_and_again_means_blocked() -> None:
    throttled = poll(FRESH, TOO_MANY)
    assert throttled.state == THROTTLED and throttled.retry_at == NOW + timedelta(seconds=120)
    assert poll(throttled, TOO_MANY).state == BLOCKED
    endless = Problem(THROTTLED, "http_429", "429", retry_after=10 * 86400)
    assert poll(FRESH, endless).state == BLOCKED


def test_a_list_that_had_entries_and_now_has_none_is_suspect() -> None:
    had = poll(FRESH, listed=12)
    empty = poll(had, listed=0)
    assert empty.state == PARSE_SUSPECT and "12" in empty.reason
    assert empty.last_listed == 12  # still compared with the last good count
    assert poll(FRESH, listed=0).state == OK  # a list that never had entries is not suspect
    assert poll(empty, listed=12).state == OK


def test_a_skipped_poll_changes_nothing() -> None:
    blocked = poll(FRESH, FORBIDDEN)
    assert after_poll(blocked, ChannelRun(skipped="waiting"), NOW, POLICY) == blocked


def test_usual_gap_needs_enough_documents() -> None:
    days = [NOW - timedelta(days=7 * i) for i in range(6)]
    assert usual_gap(days, 5) == timedelta(days=7)
    assert usual_gap(days[:3], 5) is None


def test_stale_after_k_times_the_usual_gap() -> None:
    weekly = [NOW - timedelta(days=7 * i + 10) for i in range(8)]
    assert stale_reason(weekly, NOW, POLICY) is None  # 10 days quiet < 3 × 7
    quiet = [d - timedelta(days=20) for d in weekly]
    assert "usually publishes every 7 day(s)" in (stale_reason(quiet, NOW, POLICY) or "")


def test_the_source_shows_its_worst_channel_or_stale() -> None:
    ok = poll(FRESH)
    blocked = poll(ChannelHealth("gov_cn", "zuixin"), FORBIDDEN)
    summary = summarize("gov_cn", [ok, blocked], now=NOW, policy=POLICY)
    assert summary.state == BLOCKED and summary.reason.startswith("zuixin:")
    quiet = [NOW - timedelta(days=100 + 7 * i) for i in range(8)]
    assert summarize("gov_cn", [ok], published=quiet, now=NOW, policy=POLICY).state == STALE
