"""The command line, through click's runner, on a real database file."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from model.document import Attachment, Document
from storage import Store
from storage.migrate import head_revision

BEIJING = timezone(timedelta(hours=8))
DOCS = [
    Document(
        url="https://www.gov.cn/zhengce/content/202409/content_6977766.htm",
        source="gov_cn",
        title="网络数据安全管理条例",
        doc_number="国令第790号",
        doc_type="条例",
        published_at=datetime(2024, 9, 30, 17, 0, tzinfo=BEIJING),
        issuers=["国务院"],
        effective_date=date(2025, 1, 1),
        body_text="第一条 为了规范网络数据处理活动……",
        attachments=[
            Attachment("条例全文.pdf", "https://www.gov.cn/P0.pdf", "pdf", text="附件正文")
        ],
    ),
    Document(
        url="https://www.cac.gov.cn/2025-01/03/c_1.htm",
        source="cac",
        title="个人信息出境认证办法（征求意见稿）",
        is_draft_for_comment=True,
        comment_deadline=date(2025, 2, 3),
        issuers=["国家互联网信息办公室"],
        published_at=datetime(2025, 1, 3, 18, 0, tzinfo=BEIJING),
        body_text="征求意见",
    ),
]


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "cli.db"
    with Store.open(str(path)) as store:
        for doc in DOCS:
            store.save_document(doc)
    return str(path)


def run(*args: str, db: str | None = None) -> tuple[int, str, str]:
    argv = ["--db", db, *args] if db else list(args)
    result = CliRunner().invoke(main, argv, env={"REGWATCH_CONFIG": ""}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_creates_an_empty_database(tmp_path: Path) -> None:
    code, out, _ = run("db", "upgrade", db=str(tmp_path / "new.db"))
    head = head_revision()
    assert code == 0 and f"empty -> {head}" in out
    code, out, _ = run("db", "upgrade", db=str(tmp_path / "new.db"))
    assert f"{head} -> {head}" in out


def test_commands_migrate_an_empty_database_themselves(tmp_path: Path) -> None:
    code, _out, err = run("documents", "list", db=str(tmp_path / "fresh.db"))
    assert code == 0 and "no documents match" in err


def test_list_shows_one_line_per_document(db: str) -> None:
    code, out, _ = run("documents", "list", db=db)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert "个人信息出境认证办法" in lines[0] and "2025-01-03" in lines[0]
    assert "国令第790号" in lines[1] and "pending" in lines[1]


def test_list_filters_by_source_and_date(db: str) -> None:
    assert len(run("documents", "list", "--source", "cac", db=db)[1].splitlines()) == 1
    out = run("documents", "list", "--until", "2025-01-01", db=db)[1]
    assert "网络数据安全管理条例" in out and "征求意见稿" not in out


def test_bad_date_is_a_usage_error(db: str) -> None:
    code, _out, err = run("documents", "list", "--since", "2025/01/01", db=db)
    assert code == 2 and "YYYY-MM-DD" in err


def test_show_prints_every_field(db: str) -> None:
    code, out, _ = run("documents", "show", "1", db=db)
    data = json.loads(out)
    assert code == 0
    assert data["doc_number"] == "国令第790号"
    assert data["published_at"] == "2024-09-30T17:00:00+08:00"
    assert data["effective_date"] == "2025-01-01"
    assert data["attachments"][0]["text"] == "附件正文"


def test_show_unknown_id_fails_clearly(db: str) -> None:
    code, _out, err = run("documents", "show", "42", db=db)
    assert code == 1 and "no document with id 42" in err


def test_export_writes_one_json_object_per_document(db: str, tmp_path: Path) -> None:
    out_file = tmp_path / "export.jsonl"
    code, _out, err = run("documents", "export", "--format", "jsonl", "--out", str(out_file), db=db)
    rows = [json.loads(line) for line in out_file.read_text("utf-8").splitlines()]
    assert code == 0 and "exported 2 documents" in err
    expected = {
        "id",
        "url",
        "sightings",
        "title",
        "lang",
        "published_at",
        "issuers",
        "doc_number",
        "doc_type",
        "is_draft_for_comment",
        "comment_deadline",
        "effective_date",
        "body_text",
        "attachments",
        "content_hash",
        "version",
        "review_status",
        "flags",
        "first_seen",
        "last_seen",
        "versions",
        "source",
    }
    assert all(expected <= set(row) for row in rows)
    draft = next(r for r in rows if r["is_draft_for_comment"])
    assert draft["comment_deadline"] == "2025-02-03" and draft["flags"] == ["untagged"]
    assert draft["sightings"][0]["source"] == "cac"


def test_approve_and_reject(db: str) -> None:
    assert run("documents", "approve", "1", db=db)[:2] == (0, "approved: 1 document\n")
    run("documents", "reject", "2", db=db)
    assert "approved" in run("documents", "list", "--status", "approved", db=db)[1]
    assert "征求意见稿" in run("documents", "list", "--status", "rejected", db=db)[1]


def test_approving_unknown_ids_says_which(db: str) -> None:
    code, out, err = run("documents", "approve", "1", "77", db=db)
    assert code == 1 and "approved: 1 document" in out and "77" in err


def test_settings_shows_where_values_came_from(tmp_path: Path) -> None:
    code, out, _ = run(
        "--set", "identity.title_window_days=30", "settings", db=str(tmp_path / "x.db")
    )
    assert code == 0
    assert "identity.title_window_days = 30  (flag)" in out
    assert "database.url" in out and "(flag)" in out


def test_bad_setting_is_a_clear_error() -> None:
    code, _out, err = run("--set", "database.busy_timeout=soon", "settings")
    assert code == 1 and "not a valid float" in err


def test_crawl_on_an_outdated_schema_stops_with_a_clear_message(tmp_path: Path) -> None:
    from sqlalchemy import text

    from storage.engine import make_engine, write_transaction

    db = str(tmp_path / "old.db")
    Store.open(db).close()
    engine = make_engine(db)
    with write_transaction(engine) as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_documents'"))
    engine.dispose()
    code, _out, err = run("crawl", "gov_cn", db=db)
    assert code == 1 and "run `regwatch db upgrade`" in err
