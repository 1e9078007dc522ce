"""The main job: crawl, classify, then write the newest month's digest.

The command line (``regwatch run``) and the scheduler both call :func:`run_main_job`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
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
    """Run every stage once, in order, and report what each did.

    On a replay (the offline demo) nobody reviews, so documents are approved by a demo rule,
    as the reviewer ``demo``: the digest they make is marked a demo and can never be sent.
    """
    from crawler.run import run_crawl

    report = RunReport()
    summaries = run_crawl(settings, replay=replay)
    report.stages["crawl"] = [s.line() for s in summaries]
    report.troubled = [s.source for s in summaries if s.troubled]
    report.stages["classify"] = [classify_stage(settings)]
    if replay is not None:
        report.stages["demo"] = [demo_stage(settings)]
    report.stages["digest"] = digest_stage(settings)
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


def demo_stage(settings: Settings) -> str:
    """Approve, as the reviewer ``demo``, what the classifier is confident about."""
    from storage import Store

    threshold = settings.digest.demo_min_score
    with Store.open(settings.database_url(), busy_timeout=settings.database.busy_timeout) as store:
        approved = store.demo_approve(threshold)
    return f"{len(approved)} documents approved by the demo rule (best topic score >= {threshold})"


def digest_stage(settings: Settings) -> list[str]:
    """Write the newest month's digest in every format to ``digest.out_dir``, and the feeds
    and calendars to its ``feeds/`` folder."""
    from digest.feedset import write_feeds
    from digest.render import FORMATS, write_digest
    from digest.service import latest_month, load
    from model.document import BEIJING
    from model.glossary import load_glossary
    from storage import Store

    glossary = load_glossary(settings.glossary.extra_path or None)
    out = Path(settings.digest.out_dir)
    with Store.open(settings.database_url(), busy_timeout=settings.database.busy_timeout) as store:
        month = latest_month(store)
        if month is None:
            return ["no documents stored: no digest written"]
        draft = load(store, month, settings, glossary)
        today = datetime.now(BEIJING).date()
        feeds = write_feeds(out / "feeds", store, settings, glossary, today)
    d = draft.digest
    written = ", ".join(map(str, write_digest(d, list(FORMATS), out)))
    demo = " (demo: never sent)" if d.demo else ""
    return [
        f"{d.month}: {d.status}{demo}, {len(d.entries())} entries: {written}",
        f"feeds: {len(feeds)} files in {out / 'feeds'}",
    ]
