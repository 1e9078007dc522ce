"""Crawling end to end: `regwatch crawl --replay` against saved pages over real HTTP.

Each crawl runs in its own process (Twisted's reactor starts once per process), on a SQLite
file of the test's own. Covers: the snapshot crawled twice adds nothing (conditional GET); an
edited page adds a version (RELIABILITY 15); URL aliases are one document (14); a truncated
list is a failure that loses nothing (3); a page whose layout drifted is reported, never
stored or deleted (16).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config import load_settings
from crawler.replay.server import ReplayServer
from crawler.replay.writer import write_fixture
from model import BEIJING
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


SOURCES = ("cac", "gov_cn", "miit", "tc260")


def main_job(db: Path) -> subprocess.CompletedProcess[str]:
    """``regwatch run`` on the snapshot, which must succeed."""
    out = f"digest.out_dir={db.parent / 'out'}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "--db",
            str(db),
            "--set",
            out,
            "run",
            "--replay",
            str(SNAPSHOT),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def run_main_job(db: Path) -> dict[str, dict[str, int]]:
    """``regwatch run`` on the snapshot; the summary counters of each source."""
    done = main_job(db)
    return {name: counts_in(done.stdout, f"crawl: {name}:") for name in SOURCES}


def test_main_job_twice_on_the_snapshot_second_run_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    first = run_main_job(db)
    for name, counts in first.items():
        assert counts["failed"] == 0, name
        # a document another source stored first in the same run is "sighted", not "new"
        assert counts["new"] + counts["sighted"] >= 4, name
    assert first["gov_cn"]["new"] + first["gov_cn"]["sighted"] >= 15
    docs = documents(db)
    stored = len(docs)
    read = {a.url.rsplit("/", 1)[1]: a for d in docs for a in d.attachments if a.sha256}
    assert "第一条" in read["P020240914384720195637.docx"].text  # attachments read in the main job
    assert "风险评估实施细则" in read["P020240524396174523810.pdf"].text
    second = run_main_job(db)
    for name, counts in second.items():
        assert (counts["new"], counts["amended"], counts["sighted"], counts["failed"]) == (
            0,
            0,
            0,
            0,
        ), name
    assert second["gov_cn"]["responses"] <= 5  # robots.txt and four 304s, no detail page
    assert len(documents(db)) == stored


def test_main_job_yields_every_source_with_deadlines_and_attachment_text(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    done = main_job(db)
    docs = documents(db)
    # ... and tags what it crawled (training a model on first use)
    [classify] = [line for line in done.stdout.splitlines() if line.startswith("classify: ")]
    assert classify.startswith(f"classify: {len(docs)} tagged by model v1")
    assert classify.endswith(", 0 left untagged")
    assert not [d.title for d in docs if "untagged" in d.flags]
    by_source = {
        name: [d for d in docs if name in {s.source for s in d.sightings}] for name in SOURCES
    }
    for name, found in by_source.items():
        assert any(d.comment_deadline for d in found), f"{name}: no comment deadline"
        assert any(a.text for d in found for a in d.attachments), f"{name}: no attachment text"
    # MIIT documents reach gov.cn's 部门文件 too: one document, seen on both sites
    [risk] = [d for d in docs if d.doc_number == "工信部网安〔2024〕82号"]
    assert {s.source for s in risk.sightings} == {"gov_cn", "miit"}
    assert "data_security" in risk.topic_keys()
    [transfer] = [d for d in docs if d.doc_number == "国家互联网信息办公室令第16号"]
    assert {s.source for s in transfer.sightings} == {"cac", "gov_cn"}
    assert "cross_border" in transfer.topic_keys()
    # ... approves by the demo rule, as "demo", and writes the newest month's digest
    demo = [d for d in docs if d.review_status == "approved"]
    assert demo and all(d.topics and d.topics[0].score for d in demo)
    month = max(d.published_at for d in docs).astimezone(BEIJING).strftime("%Y-%m")
    out = tmp_path / "out"
    written = sorted(p.name for p in out.glob("regwatch-digest-*"))
    assert written == [f"regwatch-digest-{month}.{ext}" for ext in ("docx", "html", "md", "txt")]
    text = (out / f"regwatch-digest-{month}.txt").read_text(encoding="utf-8")
    assert text.startswith("DEMO: ") and "can never be sent" in text
    assert (out / "feeds" / "all.atom").is_file() and (out / "feeds" / "deadlines.ics").is_file()


def test_scrapy_list_from_the_repository_root() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.split() == ["cac", "gov_cn", "miit", "tc260"]


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
            *("--set", "sources.miit.enabled=false", "--set", "sources.cac.enabled=false"),
            *("--set", "sources.tc260.enabled=false"),
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
    assert "state blocked" in done.stdout
    assert "not read properly: gov_cn (see" in done.stdout


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(db), "--set", "crawl.autothrottle=false", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def blocked_miit_snapshot(root: Path) -> Path:
    """The snapshot with every MIIT list (column pages and search API) answering 403."""
    tree = root / "snapshot"
    shutil.copytree(SNAPSHOT, tree)
    lists = {c.url for c in load_settings(environ={}).sources["miit"].channels.values()}
    for sidecar in (tree / "www.miit.gov.cn").rglob("*.meta.json"):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if meta["url"] in lists:
            meta.update(status=403, headers={"Content-Type": "text/html; charset=utf-8"})
            sidecar.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            Path(str(sidecar).removesuffix(".meta.json")).write_text("<h1>403 Forbidden</h1>")
    return tree


def test_a_blocked_miit_still_arrives_through_gov_cn_and_merges_later(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    blocked = cli(db, "crawl", "gov_cn", "miit", "--replay", str(blocked_miit_snapshot(tmp_path)))
    assert blocked.returncode == 1
    assert "miit:" in blocked.stdout and "state blocked" in blocked.stdout
    [risk] = [d for d in documents(db) if d.doc_number == "工信部网安〔2024〕82号"]
    assert {s.source for s in risk.sightings} == {"gov_cn"}
    assert cli(db, "sources", "reset", "miit").returncode == 0
    again = cli(db, "crawl", "miit", "--replay", str(SNAPSHOT))
    assert again.returncode == 0, again.stdout + again.stderr
    [risk] = [d for d in documents(db) if d.doc_number == "工信部网安〔2024〕82号"]
    assert {s.source for s in risk.sightings} == {"gov_cn", "miit"}
    assert risk.version == 1
