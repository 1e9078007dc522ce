"""Adding a document by hand: fetch one URL through the crawler's egress guard, extract it.

Editors sometimes need a development from a site regwatch does not crawl (a court, a
provincial government). :func:`fetch_document` takes its URL and returns a
:class:`model.Document` (``source = "manual"``), or raises :class:`ManualFetchError` with one
line an editor can act on (refused address or scheme, HTTP status, timeout, not HTML, no text).

The page is fetched by a one-URL Scrapy crawl (:mod:`crawler.manual_crawl`) in a child process
(``python -m crawler.manual``): Twisted's reactor cannot be restarted inside a long-running web
server, and a child is easy to kill at a deadline. The page is read by :mod:`crawler.generic`.

The parent hands the child its settings as JSON on stdin (every setting but the database's, and
the sources), never through the environment or a settings file, so the child fetches with exactly
the settings the caller holds. The child answers with one JSON line on stdout: the document, or
an error kind and message.

This module holds the caller's side (:func:`fetch_document`, :func:`fetch_document_async`,
:func:`check_url`; the child's command line, environment and settings payload; reading its
answer), what both sides share (the answer's format, :func:`document_from_dict`) and the child's
entry point, :func:`main`. It imports neither Scrapy nor the extractor: the child does.

Run by hand::

    python -m crawler.manual URL [--config regwatch.toml] [--set crawl.timeout=10 ...]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from config import Settings, SettingsError, describe, load_settings
from model.document import Attachment, Document

log = logging.getLogger("regwatch.manual")

SOURCE = "manual"
"""``Document.source`` of every document added by hand."""
DEFAULT_TIMEOUT = 60.0
MAX_URL_LENGTH = 2048
CRAWLED_FIELDS = (
    "url",
    "title",
    "source",
    "lang",
    "published_at",
    "issuers",
    "doc_number",
    "doc_type",
    "is_draft_for_comment",
    "comment_deadline",
    "effective_date",
    "written_on",
    "publisher",
    "subject",
    "body_text",
    "attachments",
)
"""The Document fields a fetch fills in (the rest are storage's)."""
_SKIPPED_SECTIONS = ("database",)
"""Settings the child has no use for (it never opens the store), so never sent to it."""
_REPORT_MARGIN = 1.0
"""Seconds of the caller's timeout kept for the child to report and exit after its deadline."""


class ManualFetchError(Exception):
    """A URL could not be added; ``str()`` is one line for an editor.

    ``kind`` says which rule or failure (``bad_url``, ``refused_address``, ``refused_scheme``,
    ``offsite_redirect``, ``http_403``, ``challenge``, ``timeout``, ``not_html``, ``no_text``,
    ``robots_disallowed`` …); ``status`` is the HTTP status when there was one.
    """

    def __init__(self, message: str, kind: str = "error", status: int | None = None) -> None:
        super().__init__(_one_line(message))
        self.kind = kind
        self.status = status


# -- the caller's side -----------------------------------------------------------------------


def fetch_document(url: str, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> Document:
    """Fetch ``url`` through the crawler's egress guard and extract its document.

    Blocks for at most about ``timeout`` seconds (the child is killed then). Nothing is stored.
    Raises :class:`ManualFetchError`.
    """
    url = check_url(url)
    command, env, payload = _child_call(url, settings, timeout)
    try:
        done = subprocess.run(
            command, input=payload, capture_output=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise _timed_out(url, timeout) from None
    except OSError as exc:
        raise ManualFetchError(f"could not start the fetch of {url}: {exc}", "crashed") from exc
    return _read_answer(done.returncode, done.stdout, done.stderr, url)


async def fetch_document_async(
    url: str, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT
) -> Document:
    """:func:`fetch_document` for an asyncio caller; cancelling it kills the child."""
    url = check_url(url)
    command, env, payload = _child_call(url, settings, timeout)
    try:
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        raise ManualFetchError(f"could not start the fetch of {url}: {exc}", "crashed") from exc
    try:
        out, err = await asyncio.wait_for(proc.communicate(payload), timeout)
    except TimeoutError:
        raise _timed_out(url, timeout) from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return _read_answer(proc.returncode, out, err, url)


def check_url(url: str) -> str:
    """``url`` stripped, or ManualFetchError when it cannot be an http(s) page address."""
    url = url.strip()
    if not url:
        raise ManualFetchError("no URL given", "bad_url")
    if len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise ManualFetchError(f"not a usable URL: {url[:120]!r}", "bad_url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise ManualFetchError(f"not a usable URL ({exc}): {url[:120]!r}", "bad_url") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "none"
        raise ManualFetchError(
            f"refused: only http and https addresses can be fetched, not {scheme!r} ({url[:120]})",
            "refused_scheme",
        )
    if not parts.hostname:
        raise ManualFetchError(f"not a usable URL, no host name: {url[:120]!r}", "bad_url")
    if parts.username is not None or parts.password is not None:
        raise ManualFetchError(
            "refused: a URL with a user name or password is not fetched", "bad_url"
        )
    return url


def settings_payload(settings: Settings) -> dict[str, Any]:
    """The settings as JSON-ready dotted names (see :func:`settings_from_payload`)."""
    values = {
        info.name: settings.get(info.name)
        for info in describe()
        if info.name.split(".", 1)[0] not in _SKIPPED_SECTIONS
    }
    for name, source in settings.sources.items():
        prefix = f"sources.{name}"
        values[f"{prefix}.label"] = source.label
        values[f"{prefix}.hosts"] = list(source.hosts)
        values[f"{prefix}.enabled"] = source.enabled
        values[f"{prefix}.filter_by_keywords"] = source.filter_by_keywords
        values[f"{prefix}.verify_tls"] = source.verify_tls
        for channel in source.channels.values():
            where = f"{prefix}.channels.{channel.name}"
            values[f"{where}.url"] = channel.url
            values[f"{where}.label"] = channel.label
            values[f"{where}.enabled"] = channel.enabled
            values[f"{where}.format"] = channel.format
            if channel.filter_by_keywords is not None:
                values[f"{where}.filter_by_keywords"] = channel.filter_by_keywords
    return {"settings": values}


def settings_from_payload(payload: Mapping[str, Any]) -> Settings:
    """Settings rebuilt from :func:`settings_payload`, through the ordinary loader's checks
    (no file, no environment: the payload is all there is)."""
    values = payload.get("settings")
    if not isinstance(values, dict):
        raise SettingsError("settings payload without a 'settings' object")
    return load_settings(values, environ={}, config=os.devnull)


def document_from_dict(data: Mapping[str, Any]) -> Document:
    """A Document from :func:`model.serialize.document_to_dict` output (crawled fields only)."""
    fields: dict[str, Any] = {}
    for name in CRAWLED_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "published_at" and value:
            value = datetime.fromisoformat(value)
        elif name in ("comment_deadline", "effective_date", "written_on") and value:
            value = date.fromisoformat(value)
        elif name == "attachments":
            known = {f.name for f in dataclasses.fields(Attachment)}
            value = [Attachment(**{k: v for k, v in a.items() if k in known}) for a in value]
        elif name == "issuers":
            value = [str(v) for v in value]
        fields[name] = value
    return Document(**fields)


def _child_call(
    url: str, settings: Settings, timeout: float
) -> tuple[list[str], dict[str, str], bytes]:
    """The child's command line, environment and stdin."""
    deadline = time.time() + max(timeout - _REPORT_MARGIN, timeout / 2)
    command = [
        *(sys.executable, "-P", "-m", "crawler.manual"),
        *("--settings-stdin", "--timeout", f"{timeout:g}", "--deadline-at", f"{deadline:.3f}"),
        *("--", url),
    ]
    # The code the child runs is this very package, wherever the caller's cwd is; its settings
    # come from stdin alone: regwatch's environment variables and settings file are left out.
    root = str(Path(__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGWATCH_")}
    env["REGWATCH_CONFIG"] = os.devnull
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    payload = json.dumps(settings_payload(settings), ensure_ascii=False).encode("utf-8")
    return command, env, payload


def _timed_out(url: str, timeout: float) -> ManualFetchError:
    return ManualFetchError(f"timed out after {timeout:g} s fetching {url}", "timeout")


def _read_answer(returncode: int, stdout: bytes, stderr: bytes, url: str) -> Document:
    """The child's answer as a Document, or the ManualFetchError it reports."""
    answer = None
    lines = stdout.decode("utf-8", "replace").strip().splitlines()
    if lines:
        try:
            answer = json.loads(lines[-1])
        except ValueError:
            answer = None
    if not isinstance(answer, dict):
        said = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        last = said[-1].strip() if said else "no output"
        log.warning("manual fetch of %s: child exited %s: %s", url, returncode, stderr[-2000:])
        raise ManualFetchError(f"the fetch of {url} failed (exit {returncode}): {last}", "crashed")
    if not answer.get("ok"):
        raise ManualFetchError(
            str(answer.get("message") or "unknown error"),
            str(answer.get("kind") or "error"),
            answer.get("status"),
        )
    log.info("manual fetch of %s: read with the %s extractor", url, answer.get("extractor"))
    return document_from_dict(answer["document"])


# -- the child's answer ---------------------------------------------------------------------


def error_answer(kind: str, message: str, status: int | None = None) -> dict[str, Any]:
    """The child's answer when there is no document (read by :func:`_read_answer`)."""
    return {"ok": False, "kind": kind, "message": _one_line(message), "status": status}


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= 400 else text[:399] + "…"


# -- the child's entry point ----------------------------------------------------------------


def _own_stdout() -> IO[str]:
    """This process's stdout for the answer alone; anything else printed goes to stderr."""
    sys.stdout.flush()
    answer = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return answer


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crawler.manual URL``: print the document (or the error) as one JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m crawler.manual",
        description="Fetch one page through regwatch's crawler and print its document as JSON.",
    )
    parser.add_argument("url")
    parser.add_argument("--config", help="settings file (TOML); default as for regwatch")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE"
    )
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds")
    parser.add_argument("--settings-stdin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--deadline-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from crawler.manual_crawl import crawl_one  # Scrapy: the child's alone

    out = _own_stdout()
    try:
        if args.settings_stdin:
            settings = settings_from_payload(json.loads(sys.stdin.buffer.read()))
        else:
            flags = dict(item.partition("=")[::2] for item in args.overrides)
            settings = load_settings(flags, config=args.config)
        logging.basicConfig(
            stream=sys.stderr,
            level=settings.general.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        deadline = args.deadline_at or time.time() + args.timeout
        outcome = crawl_one(check_url(args.url), settings, deadline=deadline, total=args.timeout)
    except ManualFetchError as exc:
        outcome = error_answer(exc.kind, str(exc), exc.status)
    except (SettingsError, ValueError) as exc:
        outcome = error_answer("settings", f"bad settings for the fetch: {exc}")
    out.write(json.dumps(outcome, ensure_ascii=False) + "\n")
    out.flush()
    return 0 if outcome.get("ok") else 1


if __name__ == "__main__":  # run crawler.manual itself, not a second copy as __main__
    from crawler.manual import main as _main

    sys.exit(_main())
