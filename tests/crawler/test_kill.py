"""Kill -9 in the middle of a crawl, then crawl again: nothing lost, nothing doubled (case 17)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import Store
from storage.engine import read_transaction
from storage.schema import documents, sightings
from tests.crawler.govcn_pages import ROOT, crawl_args, write_tree

PAGES = 200


def stored(db: Path) -> tuple[int, int, int]:
    with Store.open(str(db)) as store, read_transaction(store.engine) as conn:
        docs = conn.execute(select(func.count()).select_from(documents)).scalar_one()
        urls = conn.execute(select(func.count(sightings.c.url_key.distinct()))).scalar_one()
        rows = conn.execute(select(func.count()).select_from(sightings)).scalar_one()
    return docs, urls, rows


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_kill_mid_crawl_then_restart_loses_and_doubles_nothing(tmp_path: Path) -> None:
    tree, db = tmp_path / "tree", tmp_path / "crawl.db"
    write_tree(tree, PAGES)
    Store.open(str(db)).close()
    proc = subprocess.Popen(
        crawl_args(db, tree, "crawl.download_delay=0.05"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while stored(db)[0] < 50 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    at_kill = stored(db)[0]
    assert 50 <= at_kill < PAGES
    with Store.open(str(db)) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    done = subprocess.run(
        crawl_args(db, tree, "crawl.download_delay=0"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"{PAGES - at_kill} new" in done.stdout
    assert stored(db) == (PAGES, PAGES, PAGES)
