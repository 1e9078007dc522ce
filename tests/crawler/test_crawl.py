"""Crawling end to end: `regwatch crawl --replay` against saved pages over real HTTP.

Each crawl runs in its own process (Twisted's reactor starts once per process), on a SQLite
file of the test's own. Covers: the snapshot crawled twice adds nothing (conditional GET); an
edited page adds a version (RELIABILITY 15); URL aliases are one document (14); a truncated
list is a failure that loses nothing (3); a page whose layout drifted is reported, never
stored or deleted (16).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.replay.server import ReplayServer
from crawler.replay.writer import write_fixture
from storage import Store
from tests.crawler.govcn_pages import (
    FEED,
    JSON,
    ROOT,
    counts_in,
    crawl,
    detail_html,
    feed_json,
    page_url,
    save,
)

SNAPSHOT = ROOT / "fixtures" / "snapshot"
PAGE = page_url(1)
TITLE = "工业和信息化部关于加强数据安全管理的通知"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def documents(db: Path) -> list:  # type: ignore[type-arg]
    with Store.open(str(db)) as store:
        return store.list_documents()


def run_main_job(db: Path) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(db), "run", "--replay", str(SNAPSHOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return counts_in(done.stdout, "crawl: gov_cn:")


def test_main_job_twice_on_the_snapshot_second_run_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    first = run_main_job(db)
    assert first["new"] >= 15 and first["failed"] == 0
    stored = len(documents(db))
    read = {a.url.rsplit("/", 1)[1]: a for d in documents(db) for a in d.attachments if a.sha256}
    assert "第一条" in read["P020240914384720195637.docx"].text  # attachments read in the main job
    assert "风险评估实施细则" in read["P020240524396174523810.pdf"].text
    second = run_main_job(db)
    assert (second["new"], second["amended"], second["sighted"], second["failed"]) == (0, 0, 0, 0)
    assert second["responses"] <= 5  # robots.txt and four 304s, no detail page
    assert len(documents(db)) == stored


def test_scrapy_list_from_the_repository_root() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.split() == ["gov_cn"]


def test_edited_page_adds_a_version(tmp_path: Path) -> None:
    tree, db = tmp_path / "tree", tmp_path / "r.db"
    save(tree, FEED, feed_json([(PAGE, TITLE)]), headers=JSON)
    save(tree, PAGE, detail_html(TITLE, "<p>第一条 原文。</p>"), sequence=1)
    save(tree, PAGE, detail_html(TITLE, "<p>第一条 修改后的正文。</p>"), sequence=2)
    with ReplayServer(tree) as server:  # one server for both polls: sequence 1, then 2
        recheck = (
            "crawl.recheck_every_hours=0",
            "crawl.recheck_days=36500",
            f"crawl.replay_url={server.base_url}",
        )
        assert crawl(db, None, *recheck)[1]["new"] == 1
        code, counts, err = crawl(db, None, *recheck)
    assert code == 0, err
    assert counts["amended"] == 1
    [doc] = documents(db)
    assert doc.version == 2 and "amended" in doc.flags
    assert doc.body_text == "第一条 修改后的正文。"


def test_url_aliases_are_one_document(tmp_path: Path) -> None:
    tree, db = tmp_path / "tree", tmp_path / "r.db"
    alias = PAGE.replace("https://", "http://") + "?from=index"
    save(tree, FEED, feed_json([(PAGE, TITLE), (alias, TITLE)]), headers=JSON)
    save(tree, PAGE, detail_html(TITLE, "<p>正文</p>"))
    save(tree, alias, detail_html(TITLE, "<p>正文</p>"))
    code, counts, err = crawl(db, tree)
    assert code == 0, err
    assert counts["new"] == 1
    assert len(documents(db)) == 1


def test_truncated_list_fails_loudly_and_loses_nothing(tmp_path: Path) -> None:
    good, bad, db = tmp_path / "good", tmp_path / "bad", tmp_path / "r.db"
    save(good, FEED, feed_json([(PAGE, TITLE)]), headers=JSON)
    save(good, PAGE, detail_html(TITLE, "<p>正文</p>"))
    assert crawl(db, good)[1]["new"] == 1
    save(bad, FEED, feed_json([(PAGE, TITLE)])[:40], headers=JSON)
    code, counts, err = crawl(db, bad)
    assert code == 1 and counts["failed"] == 1
    assert "could not be read" in err and "parse_suspect" in err
    [doc] = documents(db)
    assert "withdrawn" not in doc.flags


def test_layout_drift_is_reported_and_nothing_is_stored(tmp_path: Path) -> None:
    tree, db = tmp_path / "tree", tmp_path / "r.db"
    save(tree, FEED, feed_json([(PAGE, TITLE)]), headers=JSON)
    save(tree, PAGE, "<html><body><div class='new-layout'><p>正文<table></p></div>")
    code, counts, err = crawl(db, tree)
    assert code == 1 and counts["failed"] == 1 and counts["new"] == 0
    assert "layout changed" in err
    assert documents(db) == []


def test_main_job_exits_non_zero_when_a_source_is_blocked(tmp_path: Path) -> None:
    tree, db = tmp_path / "tree", tmp_path / "r.db"
    write_fixture(
        tree,
        FEED,
        "<html><body><h1>访问受限</h1></body></html>",
        status=403,
        headers={"Content-Type": "text/html; charset=utf-8"},
        origin="reconstructed",
        origin_detail="a WAF refusal as described in SITES.md §2.4",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "--db",
            str(db),
            "--set",
            "sources.gov_cn.enabled_channels=bmwj",
            "run",
            "--replay",
            str(tree),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 1
    assert "state blocked" in done.stdout and "not read properly: gov_cn" in done.stdout
