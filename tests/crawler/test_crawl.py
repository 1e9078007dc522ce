"""Crawling end to end: `regwatch crawl --replay` against saved pages over real HTTP.

Each crawl runs in its own process (Twisted's reactor starts once per process), on a SQLite
file of the test's own. Covers: the snapshot crawled twice adds nothing (conditional GET); an
edited page adds a version (RELIABILITY 15); URL aliases are one document (14); a truncated
list is a failure that loses nothing (3); a page whose layout drifted is reported, never
stored or deleted (16).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.replay.server import ReplayServer
from crawler.replay.writer import write_fixture
from storage import Store

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "fixtures" / "snapshot"
FEED = "https://www.gov.cn/zhengce/zhengceku/bmwj/TONGYONGGAILAN.json"
PAGE = "https://www.gov.cn/zhengce/zhengceku/202611/content_7090001.htm"
HTML = {"Content-Type": "text/html; charset=utf-8"}
pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def crawl(db: Path, tree: Path | None, *settings: str) -> tuple[int, dict[str, int], str]:
    args = [
        sys.executable,
        "-m",
        "cli",
        "--db",
        str(db),
        "--set",
        "crawl.download_delay=0",
        "--set",
        "crawl.autothrottle=false",
        "--set",
        "gov_cn.channels=bmwj",
    ]
    for item in settings:
        args += ["--set", item]
    replay = ["--replay", str(tree)] if tree else []
    done = subprocess.run(
        [*args, "crawl", "gov_cn", *replay],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("gov_cn:"))
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (\w+)", line)}
    return done.returncode, counts, done.stderr


def page(title: str, body: str, published: str = "2026-11-18-10:00:00") -> str:
    return (
        f'<html><head><meta charset="utf-8"><meta name="firstpublishedtime" '
        f'content="{published}"><title>{title}_国务院部门文件_中国政府网</title></head><body>'
        f'<div class="policyLibraryOverview_header"><table><tr><td>标  题：</td>'
        f"<td>{title}</td><td>发文机关：</td><td>工业和信息化部</td></tr></table></div>"
        f'<div class="pages_content mhide" id="UCAP-CONTENT"><p>{body}</p></div>'
        f'<div class="pages_content pages_contentm pchide"><p>{body}</p></div></body></html>'
    )


def feed(*urls: str, title: str = "工业和信息化部关于加强数据安全管理的通知") -> str:
    rows = [
        {"TITLE": title, "SUB_TITLE": "", "URL": u, "DOCRELPUBTIME": "2026-11-18"} for u in urls
    ]
    return json.dumps(rows, ensure_ascii=False)


def save(
    root: Path,
    url: str,
    body: str,
    *,
    headers: dict[str, str] | None = None,
    sequence: int | None = None,
) -> None:
    write_fixture(
        root,
        url,
        body,
        status=200,
        headers=headers or HTML,
        origin="reconstructed",
        origin_detail="test page following SITES.md §1.1/§1.3",
        sequence=sequence,
    )


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
    line = next(x for x in done.stdout.splitlines() if x.startswith("crawl: gov_cn:"))
    return {k: int(n) for n, k in re.findall(r"(\d+) (\w+)", line)}


def test_main_job_twice_on_the_snapshot_second_run_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    first = run_main_job(db)
    assert first["new"] >= 15 and first["failed"] == 0
    stored = len(documents(db))
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
    save(tree, FEED, feed(PAGE), headers={"Content-Type": "application/json"})
    save(tree, PAGE, page("关于加强数据安全管理的通知", "第一条 原文。"), sequence=1)
    save(tree, PAGE, page("关于加强数据安全管理的通知", "第一条 修改后的正文。"), sequence=2)
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
    save(tree, FEED, feed(PAGE, alias), headers={"Content-Type": "application/json"})
    save(tree, PAGE, page("关于加强数据安全管理的通知", "正文"))
    save(tree, alias, page("关于加强数据安全管理的通知", "正文"))
    code, counts, err = crawl(db, tree)
    assert code == 0, err
    assert counts["new"] == 1
    assert len(documents(db)) == 1


def test_truncated_list_fails_loudly_and_loses_nothing(tmp_path: Path) -> None:
    good, bad, db = tmp_path / "good", tmp_path / "bad", tmp_path / "r.db"
    save(good, FEED, feed(PAGE), headers={"Content-Type": "application/json"})
    save(good, PAGE, page("关于加强数据安全管理的通知", "正文"))
    assert crawl(db, good)[1]["new"] == 1
    save(bad, FEED, feed(PAGE)[:40], headers={"Content-Type": "application/json"})
    code, counts, err = crawl(db, bad)
    assert code == 1 and counts["failed"] == 1
    assert "unreadable list" in err
    [doc] = documents(db)
    assert "withdrawn" not in doc.flags


def test_layout_drift_is_reported_and_nothing_is_stored(tmp_path: Path) -> None:
    tree, db = tmp_path / "tree", tmp_path / "r.db"
    save(tree, FEED, feed(PAGE), headers={"Content-Type": "application/json"})
    save(tree, PAGE, "<html><body><div class='new-layout'><p>正文<table></p></div>")
    code, counts, err = crawl(db, tree)
    assert code == 1 and counts["failed"] == 1 and counts["new"] == 0
    assert "layout changed" in err
    assert documents(db) == []
