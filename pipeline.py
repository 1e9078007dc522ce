"""The main job: crawl, then (as later stages land) classify and build the draft digest.

The command line (``regwatch run``) and the scheduler both call :func:`run_main_job`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from config import Settings

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    """What one run of the main job did, stage by stage."""

    stages: dict[str, list[str]] = field(default_factory=dict)
    """Per stage, one summary line per unit of work (a source, for the crawl)."""
    troubled: list[str] = field(default_factory=list)
    """Sources that could not be read properly (blocked, failed …): the run exits non-zero."""

    def lines(self) -> list[str]:
        """Human-readable lines: ``crawl: gov_cn: 3 new, …``, one per source of each stage."""
        return [f"{stage}: {line}" for stage, lines in self.stages.items() for line in lines]


def run_main_job(settings: Settings, *, replay: Path | None = None) -> RunReport:
    """Run every stage once, in order, and report what each did."""
    from crawler.run import run_crawl

    report = RunReport()
    summaries = run_crawl(settings, replay=replay)
    report.stages["crawl"] = [s.line() for s in summaries]
    report.troubled = [s.source for s in summaries if s.troubled]
    log.info("main job finished: %s", report.stages)
    return report
