"""Kill -9 in the middle of a crawl, then crawl again: nothing lost, nothing doubled (case 17)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.replay.writer import write_fixture
from storage import Store
from storage.engine import read_transaction
from storage.schema import documents, sightings

ROOT = Path(__file__).resolve().parents[2]
FEED = "https://www.gov.cn/zhengce/zhengceku/bmwj/TONGYONGGAILAN.json"
PAGES = 200


def build_tree(root: Path) -> None:
    urls = [
        f"https://www.gov.cn/zhengce/zhengceku/202611/content_{7100000 + i}.htm"
        for i in range(PAGES)
    ]
    rows = [
        {
            "TITLE": f"关于数据安全管理的通知（第{i}号）",
            "SUB_TITLE": "",
            "URL": u,
            "DOCRELPUBTIME": "2026-11-18",
        }
        for i, u in enumerate(urls)
    ]
    meta = dict(status=200, origin="reconstructed", origin_detail="follows SITES.md §1.1/§1.3")
    write_fixture(
        root,
        FEED,
        json.dumps(rows, ensure_ascii=False),
        headers={"Content-Type": "application/json"},
        **meta,
    )  # type: ignore[arg-type]
    for i, url in enumerate(urls):
        html = (
            f'<html><head><meta charset="utf-8"><meta name="firstpublishedtime" '
            f'content="2026-11-18-10:00:00"></head><body><h1>关于数据安全管理的通知（第{i}号）</h1>'
            f'<div id="UCAP-CONTENT"><p>第{i}号通知正文。</p></div></body></html>'
        )
        write_fixture(root, url, html, headers={"Content-Type": "text/html; charset=utf-8"}, **meta)  # type: ignore[arg-type]


def crawl_cmd(db: Path, tree: Path, delay: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "cli",
        "--db",
        str(db),
        "--set",
        f"crawl.download_delay={delay}",
        "--set",
        "gov_cn.channels=bmwj",
        "crawl",
        "gov_cn",
        "--replay",
        str(tree),
    ]


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
    build_tree(tree)
    Store.open(str(db)).close()
    proc = subprocess.Popen(
        crawl_cmd(db, tree, "0.05"), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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
        crawl_cmd(db, tree, "0"), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert f"{PAGES - at_kill} new" in done.stdout
    assert stored(db) == (PAGES, PAGES, PAGES)
