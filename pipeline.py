"""The main job: crawl, classify, then (as later stages land) build the draft digest.

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
    report.stages["classify"] = [classify_stage(settings)]
    log.info("main job finished: %s", report.stages)
    return report


def classify_stage(settings: Settings) -> str:
    """Tag what is untagged. A classifier that cannot run leaves documents untagged, stored."""
    from classifier.embedders import EmbedderUnavailable
    from classifier.model import ModelError
    from classifier.service import ModelUnavailable, classify_pending, open_tagger
    from storage import Store

    cfg = settings.classifier
    with Store.open(settings.database_url(), busy_timeout=settings.database.busy_timeout) as store:
        try:
            tagger = open_tagger(store, settings)
            result = classify_pending(
                store, tagger, batch_size=cfg.batch_size, time_budget=cfg.time_budget_seconds
            )
        except (EmbedderUnavailable, ModelError, ModelUnavailable) as exc:
            log.error("classifier unavailable: %s", exc)
            left = store.count_pending_classification()
            return f"classifier unavailable, {left} documents stay untagged: {exc}"
    return result.line()
