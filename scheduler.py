"""The scheduler: APScheduler running the same job functions as the command line.

Run it with ``regwatch schedule``. It is thin on purpose: every job is also a CLI command.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from config import Settings
from pipeline import run_main_job

log = logging.getLogger(__name__)


def build_scheduler(settings: Settings) -> BlockingScheduler:
    """A scheduler with the main job registered under a fixed id."""
    scheduler = BlockingScheduler(timezone=settings.schedule.timezone)
    scheduler.add_job(
        run_main_job,
        IntervalTrigger(minutes=settings.schedule.run_every_minutes),
        args=[settings],
        id="main_job",
        name="crawl, classify and build the draft digest",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=settings.schedule.misfire_grace_seconds,
    )
    return scheduler


def run(settings: Settings) -> None:
    """Run the scheduler until interrupted."""
    scheduler = build_scheduler(settings)
    log.info("scheduler started: main job every %s min", settings.schedule.run_every_minutes)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
