"""Text search over titles and bodies, Chinese included; alike on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from model import AMENDED
from model.document import Document
from storage import Store, upgrade
from storage.engine import make_engine, read_transaction, write_transaction
from storage.migrate import _config
from storage.schema import documents, metadata
from storage.search import (
    include_name,
    index_terms,
    query_tokens,
    reindex_all,
    search_condition,
    segment,
)

ROOT = Path(__file__).resolve().parents[2]
BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

CROSS_BORDER = Document(
    url="https://www.cac.gov.cn/2022-07/07/c_1658811536396503.htm",
    source="cac",
    title="《数据出境安全评估办法》",
    published_at=datetime(2022, 7, 7, 9, 0, tzinfo=BEIJING),
    body_text="第一条 为了规范数据出境活动，保护个人信息权益，维护国家安全和社会公共利益……",
)
MIIT_RULE = Document(
    url="https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2024/art_1.html",
    source="miit",
    title="工业和信息化部关于印发管理办法的通知",
    published_at=datetime(2024, 3, 1, 9, 0, tzinfo=BEIJING),
    body_text=(
        "工信部网安〔2024〕12号\n各省、自治区、直辖市通信管理局：为加强数据安全管理，"
        "落实 GB/T 35273 的要求，现将有关事项通知如下。App 运营者应当……"
    ),
)
CHILDREN = Document(
    url="https://www.gov.cn/xinwen/2019-08/23/content_5423813.htm",
    source="gov_cn",
    title="儿童个人信息网络保护规定",
    published_at=datetime(2019, 8, 23, 9, 0, tzinfo=BEIJING),
    body_text="第一条 为了保护儿童个人信息安全，促进儿童健康成长，制定本规定。",
)
UNRELATED = Document(
    url="https://www.gov.cn/zhengce/content/2024-01/01/content_1.htm",
    source="gov_cn",
    title="国务院关于印发《2024年国务院立法工作计划》的通知",
    published_at=datetime(2024, 1, 1, 9, 0, tzinfo=BEIJING),
    body_text="各省、自治区、直辖市人民政府，国务院各部委、各直属机构：现将计划印发给你们。",
)


def found(store: Store, query: str) -> set[int]:
    with read_transaction(store.engine) as conn:
        condition = search_condition(conn.dialect.name, query)
        return set(conn.execute(select(documents.c.id).where(condition)).scalars())


@pytest.fixture
def ids(store: Store) -> dict[str, int]:
    return {
        name: store.save_document(doc, seen_at=T0).document_id
        for name, doc in (
            ("cross_border", CROSS_BORDER),
            ("miit", MIIT_RULE),
            ("children", CHILDREN),
            ("unrelated", UNRELATED),
        )
    }


def test_segment_gives_lowercase_words_without_punctuation() -> None:
    assert segment("《数据安全》") == "数据 安全 数据安全"
    assert segment("GB/T35273-2020，ＡＰＰ") == "gb t 35273 2020 app"
    assert segment("  \n") == ""
    assert "儿童" in segment(CHILDREN.title).split()


def test_a_two_character_word_finds_titles_and_bodies(store: Store, ids: dict[str, int]) -> None:
    assert found(store, "数据") == {ids["cross_border"], ids["miit"]}  # 数据安全 in the body
    assert found(store, "儿童") == {ids["children"]}
    assert found(store, "出境") == {ids["cross_border"]}


def test_every_word_of_a_query_must_be_there(store: Store, ids: dict[str, int]) -> None:
    assert found(store, "数据 出境") == {ids["cross_border"]}
    assert found(store, "数据  儿童") == set()
    # 数据 and 安全 anywhere, not the phrase: 数据出境安全评估办法 has both
    assert found(store, "数据安全") == {ids["cross_border"], ids["miit"]}
    assert found(store, "个人信息 儿童") == {ids["children"]}


def test_latin_words_and_numbers_ignore_case(store: Store, ids: dict[str, int]) -> None:
    for query in ("app", "APP", "App", "ａｐｐ", "GB/T 35273", "gb/t35273", "35273"):
        assert found(store, query) == {ids["miit"]}, query
    assert found(store, "2024") == {ids["miit"], ids["unrelated"]}
    assert found(store, "GB/T 99999") == set()


def test_a_document_number_is_found(store: Store, ids: dict[str, int]) -> None:
    assert found(store, "工信部网安〔2024〕12号") == {ids["miit"]}
    assert found(store, "工信部网安[2024]12号") == {ids["miit"]}
    assert ids["miit"] in found(store, "12号")
    assert ids["miit"] in found(store, "网安")


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(",
        "-",
        ":",
        "'",
        '"数据',
        "数据*",
        "-数据",
        "(数据",
        "数据 OR 儿童",
        "NOT 数据",
        "NEAR(数据 安全, 2)",
        "title:数据",
        "^数据",
        "数据 AND",
        "'; DROP TABLE documents; --",
        "\\",
        "%_",
        "\x00",
    ],
)
def test_query_syntax_characters_are_never_an_error(
    store: Store, ids: dict[str, int], query: str
) -> None:
    assert found(store, query) <= set(ids.values())
    assert found(store, "数据") == {ids["cross_border"], ids["miit"]}  # the table is still there


def test_syntax_characters_around_words_are_dropped(store: Store, ids: dict[str, int]) -> None:
    for query in ('"数据"', "数据*", "-数据", "(数据)", "数据:", "'数据'"):
        assert found(store, query) == {ids["cross_border"], ids["miit"]}, query
    assert found(store, "NEAR(数据 儿童)") == set()


def test_a_blank_query_matches_everything_and_punctuation_nothing(
    store: Store, ids: dict[str, int]
) -> None:
    assert found(store, "") == found(store, " \t ") == set(ids.values())
    assert found(store, "《》、，。") == set()


def test_an_amended_document_is_found_by_its_new_text_only(store: Store) -> None:
    first = store.save_document(CROSS_BORDER, seen_at=T0)
    amended = replace(CROSS_BORDER, body_text="第一条 为了规范跨境传输活动，保护未成年人权益。")
    again = store.save_document(amended, seen_at=T0 + timedelta(days=1))
    assert (again.document_id, again.outcome) == (first.document_id, AMENDED)
    assert found(store, "未成年人") == {first.document_id}
    assert found(store, "跨境") == {first.document_id}
    assert found(store, "社会公共利益") == set()  # only in the old text
    assert found(store, "数据") == {first.document_id}  # still in the title


def test_reindex_all_rebuilds_the_same_index(store: Store, ids: dict[str, int]) -> None:
    before = {q: found(store, q) for q in ("数据", "儿童", "app", "12号")}
    with write_transaction(store.engine) as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DELETE FROM document_search"))
        else:
            conn.execute(text("TRUNCATE document_search"))
    assert found(store, "数据") == set()
    with write_transaction(store.engine) as conn:
        assert reindex_all(conn) == 4
    assert {q: found(store, q) for q in before} == before


def test_the_migration_indexes_documents_stored_before_it(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0007_review")
    with write_transaction(engine) as conn:
        for i, (title, body) in enumerate(
            [
                ("数据出境安全评估办法", ""),
                ("个人信息保护", "为了加强数据安全管理，App 运营者应当……"),
                ("儿童个人信息网络保护规定", "保护儿童个人信息安全"),
            ]
        ):
            conn.execute(
                text(
                    "INSERT INTO documents (url, source, title, title_key, issuers, body_text, "
                    "content_hash, first_seen, last_seen) VALUES (:url, 'gov_cn', :title, "
                    ":title, '[]', :body, 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"url": f"https://www.gov.cn/{i}.htm", "title": title, "body": body},
            )
    upgrade(engine)
    engine.dispose()
    with Store.open(db_url) as store:
        titles = {doc.id: doc.title for doc in store.list_documents()}
        by_title = {title: doc_id for doc_id, title in titles.items()}
        assert found(store, "数据") == {by_title["数据出境安全评估办法"], by_title["个人信息保护"]}
        assert found(store, "APP") == {by_title["个人信息保护"]}
        assert found(store, "儿童") == {by_title["儿童个人信息网络保护规定"]}
        doc = store.save_document(MIIT_RULE, seen_at=T0)  # writes after the upgrade are indexed
        assert found(store, "35273") == {doc.document_id}


def test_a_huge_body_is_stored_and_indexed_in_part(store: Store) -> None:
    body = "儿童 " + " ".join(str(i) for i in range(1_000_000, 1_250_000))  # 2 MB of words
    doc_id = store.save_document(replace(CHILDREN, body_text=body), seen_at=T0).document_id
    assert found(store, "儿童 1000000") == {doc_id}
    assert found(store, "1249999") == set()  # past the index's budget


def test_downgrade_drops_the_index(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    cfg = _config()
    with write_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007_review")
    with engine.connect() as conn:
        names = conn.dialect.get_table_names(conn)
    engine.dispose()
    assert not [n for n in names if n.startswith("document_search")]


def test_the_schema_matches_the_table_definitions_apart_from_the_index(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_query_words_of_a_compound_are_its_parts() -> None:
    assert query_tokens("数据安全") == ["数据", "安全"]
    assert query_tokens("《数据》“安全”") == ["数据", "安全"]
    assert query_tokens("") == query_tokens("  ") == []


def test_the_index_keeps_distinct_words_within_its_budget() -> None:
    title, body = index_terms("数据 数据 App", "数据安全 " * 1000)
    assert title == "数据 app"
    assert body == "数据 安全 数据安全"
    _, huge = index_terms("", " ".join(f"w{i}x" for i in range(200_000)))
    assert 0 < len(huge.encode()) < 900_000


@pytest.mark.slow
def test_two_processes_load_jieba_at_once_without_a_word_on_stderr(tmp_path: Path) -> None:
    env = os.environ | {"XDG_CACHE_HOME": str(tmp_path), "PYTHONWARNINGS": "error"}
    code = "from storage.search import segment; print(segment('儿童个人信息'))"
    runs = [
        subprocess.Popen(
            [sys.executable, "-W", "error", "-c", code],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for run in runs:
        out, err = run.communicate(timeout=60)
        assert (run.returncode, out.strip(), err) == (0, "儿童 个人 信息 个人信息", "")
    if sys.platform.startswith("linux"):
        assert [p.name for p in (tmp_path / "regwatch" / "jieba").iterdir()] == ["jieba.cache"]
