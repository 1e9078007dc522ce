"""Text search over documents' titles and bodies, Chinese included.

Chinese is written without spaces, so text is cut into words by jieba (search mode: 数据安全
gives 数据, 安全 and 数据安全) and the index holds words. On SQLite it is an FTS5 table,
``document_search(title, body)`` whose rowid is the document id; on PostgreSQL a plain table
``document_search(document_id, title, body, words)`` where ``words`` is the generated column
``to_tsvector('simple', title || ' ' || body)``, GIN-indexed. Migration 0008_search creates
either and fills it. Both hold the same thing, each document's distinct words, lowercased
and space-separated, so both backends find the same documents.

A query is cut the same way and matches the documents that contain every one of its words,
in the title or the body (AND; no phrases, no ranking). Latin letters and digits are split
apart and lowercased, so ``GB/T35273``, ``gb/t 35273`` and ``ＧＢ／Ｔ　３５２７３`` all become
``gb t 35273``. A word found only across jieba's word boundaries is missed: 网安 inside
互联网安全 is not a match; 一 alone matches only where jieba left it alone.

Queries are untrusted: they are reduced to words of letters and digits and every word is
quoted (FTS5) or passed as one bound parameter (PostgreSQL), so no query is a syntax error.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Text,
    column,
    delete,
    false,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.dialects import postgresql

from storage.engine import is_sqlite, lock_for_writes
from storage.schema import documents

SEARCH_TABLE = "document_search"
MAX_TOKEN_CHARS = 64
"""Longer runs of letters (base64, garbage) are not indexed: nobody searches for them."""
INDEX_BUDGET = 900_000
"""Bytes of words one document may index: PostgreSQL refuses a tsvector over 1 MB."""
_BATCH = 200

# Runs of Chinese characters (the ones jieba's dictionary covers) go to jieba; the rest is cut
# into runs of digits or of letters: "GB/T35273-2020" -> "gb", "t", "35273", "2020".
_HAN = re.compile("([\u4e00-\u9fd5]+)")
_TOKEN = re.compile(r"\d+|[^\W\d_]+")

_fts = table(SEARCH_TABLE, column("rowid", Integer), column("title", Text), column("body", Text))
_pg = table(
    SEARCH_TABLE,
    column("document_id", Integer),
    column("title", Text),
    column("body", Text),
    column("words", postgresql.TSVECTOR),  # generated: to_tsvector('simple', title || ' ' || body)
)

_lock = threading.Lock()
_tokenizer: Any = None


def _cache_dir() -> str:
    """Where jieba keeps its prefix-dictionary cache: a directory of this user's own.

    jieba writes the cache to a temporary file and renames it into place, so two processes
    building it at once each leave a whole file; but its default, the shared temporary
    directory, may hold another user's cache that it cannot replace (an error logged at every
    start) or should not trust.
    """
    path = Path(platformdirs.user_cache_dir("regwatch")) / "jieba"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return tempfile.gettempdir()
    return str(path)


def _segmenter() -> Any:
    """jieba's tokenizer, loaded on first use (about a second), without warnings or logs."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                with warnings.catch_warnings():
                    # jieba 0.42.1 imports pkg_resources where it exists (a deprecation
                    # warning) and has invalid escapes in its regular expressions.
                    warnings.simplefilter("ignore")
                    import jieba  # type: ignore[import-untyped]

                    jieba.setLogLevel(logging.WARNING)  # "Building prefix dict ..." on stderr
                    tokenizer = jieba.Tokenizer()
                    tokenizer.tmp_dir = _cache_dir()
                    tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def _normalize(text: str) -> str:
    """Full-width letters and digits to ASCII (ＡＰＰ１２ -> app12), lowercase."""
    return unicodedata.normalize("NFKC", text).lower()


def _split(text: str, cut: Callable[[str], Iterable[str]]) -> list[str]:
    """Chinese runs of ``text`` cut by ``cut``, the rest into runs of letters or digits."""
    found: list[str] = []
    for i, part in enumerate(_HAN.split(_normalize(text))):
        if i % 2:
            found.extend(cut(part))
        else:
            found.extend(t for t in _TOKEN.findall(part) if len(t) <= MAX_TOKEN_CHARS)
    return found


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the index holds them, in order, repeats kept."""
    if not text.strip():
        return []
    segmenter = _segmenter()
    return _split(text, lambda run: segmenter.cut_for_search(run, HMM=False))


def segment(text: str) -> str:
    """``text`` cut into lowercase words separated by spaces, punctuation dropped.

    jieba's search mode gives a long word and the dictionary words inside it:
    ``segment("《数据安全》")`` is ``"数据 安全 数据安全"``. HMM guessing of unknown
    words is off, so a word jieba does not know is cut into characters the same way in a
    document and in a query, whatever stands around it.
    """
    return " ".join(tokens(text))


def _budgeted(words: Iterable[str], budget: int) -> tuple[list[str], int]:
    kept: list[str] = []
    for word in dict.fromkeys(words):  # distinct, in order of first appearance
        cost = len(word.encode("utf-8")) + 10  # a tsvector entry: lexeme, header, positions
        if cost > budget:
            break
        kept.append(word)
        budget -= cost
    return kept, budget


def index_terms(title: str, body_text: str) -> tuple[str, str]:
    """What the index stores for a title and body: their distinct words, space-separated.

    Only distinct words are kept (the search needs nothing more), up to ``INDEX_BUDGET``
    bytes; a body past that, far beyond any regulation, is indexed in its first part only.
    """
    title_words, budget = _budgeted(tokens(title), INDEX_BUDGET)
    body_words, _ = _budgeted(tokens(body_text), budget)
    return " ".join(title_words), " ".join(body_words)


def index_document(conn: Connection, doc_id: int, title: str, body_text: str) -> None:
    """Put a document's title and body in the search index, replacing what it held.

    Runs on ``conn``, in the transaction that writes the document.
    """
    title_terms, body_terms = index_terms(title, body_text)
    if is_sqlite(conn):
        conn.execute(delete(_fts).where(_fts.c.rowid == doc_id))
        conn.execute(insert(_fts).values(rowid=doc_id, title=title_terms, body=body_terms))
        return
    upsert = postgresql.insert(_pg).values(document_id=doc_id, title=title_terms, body=body_terms)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["document_id"],
            set_={"title": upsert.excluded.title, "body": upsert.excluded.body},
        )
    )


def reindex_all(conn: Connection) -> int:
    """Rebuild the whole index from the documents table; returns how many were indexed."""
    lock_for_writes(conn)
    sqlite = is_sqlite(conn)
    conn.execute(delete(_fts if sqlite else _pg))
    done, last = 0, 0
    while True:
        rows = conn.execute(
            select(documents.c.id, documents.c.title, documents.c.body_text)
            .where(documents.c.id > last)
            .order_by(documents.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        key = "rowid" if sqlite else "document_id"
        values = []
        for row in rows:
            title_terms, body_terms = index_terms(row.title, row.body_text)
            values.append({key: row.id, "title": title_terms, "body": body_terms})
        conn.execute(insert(_fts if sqlite else _pg), values)
        done += len(rows)
        last = rows[-1].id
    if sqlite:  # merge the index segments the bulk insert left
        conn.execute(text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('optimize')"))
    return done


def query_tokens(query: str) -> list[str]:
    """The words a document must contain to match ``query``.

    The query is cut like a document, except that a word whose dictionary parts cover it is
    replaced by those parts: 数据安全 asks for 数据 and 安全, which also finds 数据安全 where
    jieba cut a document's text differently.
    """
    if not query.strip():
        return []
    segmenter = _segmenter()
    wanted = _split(
        query,
        lambda run: [p for w in segmenter.cut(run, HMM=False) for p in _parts(segmenter, w)],
    )
    return list(dict.fromkeys(wanted))


def _parts(segmenter: Any, word: str) -> list[str]:
    """The 2- and 3-character dictionary words cut_for_search adds for ``word``, when they
    cover all of it; otherwise the word itself."""
    found: list[tuple[int, str]] = []
    for size in (2, 3):
        if len(word) > size:
            found += [
                (i, word[i : i + size])
                for i in range(len(word) - size + 1)
                if segmenter.FREQ.get(word[i : i + size])
            ]
    covered = {i for start, part in found for i in range(start, start + len(part))}
    if found and len(covered) == len(word):
        return [part for _, part in found]
    return [word]


def search_condition(dialect_name: str, query: str) -> ColumnElement[bool]:
    """A condition on ``documents.c.id``: documents whose title or body hold every word.

    A blank query (empty or only spaces) is no search: it returns ``true()``. A query with
    nothing searchable in it (only punctuation, say) matches nothing: ``false()``.
    ``dialect_name`` is ``conn.dialect.name``: "sqlite" or "postgresql".
    """
    if not query.strip():
        return true()
    words = query_tokens(query)
    if not words:
        return false()
    if dialect_name == "sqlite":
        fts_query = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        matching = select(_fts.c.rowid).where(literal_column(SEARCH_TABLE).match(fts_query))
        return documents.c.id.in_(matching)
    if dialect_name == "postgresql":
        wanted = func.plainto_tsquery(literal_column("'simple'"), " ".join(words))
        matching = select(_pg.c.document_id).where(_pg.c.words.bool_op("@@")(wanted))
        return documents.c.id.in_(matching)
    raise ValueError(f"no text search for the {dialect_name} dialect")


def is_search_table(name: str) -> bool:
    """Whether a table is the search index or, on SQLite, one of FTS5's tables behind it."""
    return name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """An Alembic ``include_name`` hook: leave the search index out of schema comparisons.

    storage.schema cannot declare an FTS5 table, and the index is not the same table on both
    backends, so migration 0008_search owns its definition.
    """
    return not (type_ == "table" and name is not None and is_search_table(name))
