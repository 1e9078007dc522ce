"""One poll's record of a source: which channels ended clean, and what a halt does to the rest."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.health import SourceRun
from model.health import BLOCKED, HealthPolicy, Problem

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
POLICY = HealthPolicy()
FORBIDDEN = Problem(BLOCKED, "http_403", "403", status=403, body_hash="abcd")


def test_a_channel_cut_short_by_a_halt_is_not_clean() -> None:
    run = SourceRun("gov_cn")
    run.channel("bmwj").listed = 5
    run.channel("zuixin").listed = 3
    assert run.clean("bmwj") and run.clean("zuixin")
    run.record("zuixin", FORBIDDEN)
    run.cut_short("bmwj")  # its detail pages were dropped: its list must be read again
    assert not run.clean("bmwj") and not run.clean("zuixin")
    [bmwj, zuixin] = run.finish([], NOW, POLICY)
    assert bmwj.state == zuixin.state == BLOCKED
