"""Serve a fixture tree over real HTTP on 127.0.0.1, in a thread or as ``python -m`` process."""

from __future__ import annotations

import argparse
import hashlib
import logging
import signal
import sys
import threading
from collections import Counter
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from crawler.replay.keys import BodyLike, RequestKey, request_key
from crawler.replay.tree import Fixture, FixtureError, FixtureTree

ORIGIN_HEADER = "X-Replay-Origin"
HOST = "127.0.0.1"
_NOT_FORWARDED = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"}
    | {"etag", "last-modified"}
)

log = logging.getLogger(__name__)


class ReplayServer:
    """Threaded HTTP server answering requests from a FixtureTree; start()/stop() or ``with``."""

    def __init__(self, root_or_tree: FixtureTree | Path | str, *, port: int = 0) -> None:
        tree = root_or_tree
        self.tree = tree if isinstance(tree, FixtureTree) else FixtureTree.load(tree)
        self.unmatched: list[tuple[str, str]] = []
        self.hits: Counter[RequestKey] = Counter()
        self._origins = sorted(self.tree.origins())
        self._requested_port = port
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The TCP port the server listens on (only once started)."""
        if self._httpd is None:
            raise RuntimeError("ReplayServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, the value for the REPLAY_URL setting."""
        return f"http://{HOST}:{self.port}"

    def start(self) -> ReplayServer:
        """Bind 127.0.0.1 and serve from a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("ReplayServer is already started")
        self._httpd = _HTTPServer((HOST, self._requested_port), _Handler)
        self._httpd.replay = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="replay-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd, self._thread = None, None

    def __enter__(self) -> ReplayServer:
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop on leaving a ``with`` block."""
        self.stop()

    def hit_count(self, method: str, url: str, body: BodyLike = None) -> int:
        """How many requests matched the fixtures of this request so far."""
        return self.hits[request_key(method, url, body)]

    def default_origin(self) -> str | None:
        """The tree's only ``scheme://host``, or None when it holds several (or none)."""
        return self._origins[0] if len(self._origins) == 1 else None

    def pick(self, method: str, url: str, body: bytes) -> Fixture | None:
        """Next fixture for this request (advancing its sequence), or None when unknown."""
        fixtures = self.tree.match(method, url, body)
        if not fixtures:
            self.record_unmatched(method, url)
            return None
        with self._lock:
            index = self.hits[fixtures[0].key]
            self.hits[fixtures[0].key] += 1
        return fixtures[min(index, len(fixtures) - 1)]

    def record_unmatched(self, method: str, url: str) -> None:
        """Log and remember a request no fixture answers."""
        log.warning("replay: no fixture for %s %s", method, url)
        with self._lock:
            self.unmatched.append((method, url))


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer carrying a reference to its ReplayServer."""

    daemon_threads = True
    replay: ReplayServer


class _Handler(BaseHTTPRequestHandler):
    """Answers every method from the fixture tree."""

    server: _HTTPServer

    def do_GET(self) -> None:
        """Serve GET (and, via aliases, every other method)."""
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        """Match the request and write the fixture, a 304 or a 404."""
        replay = self.server.replay
        body = self._read_body()
        url = self._original_url(replay)
        if url is None:
            replay.record_unmatched(self.command, self.path)
            self._send_text(404, f"no {ORIGIN_HEADER} header and the tree has several hosts\n")
            return
        try:
            fixture = replay.pick(self.command, url, body)
        except ValueError as exc:
            self._send_text(400, f"bad request URL {url!r}: {exc}\n")
            return
        if fixture is None:
            self._send_text(404, f"no fixture for {self.command} {url}\n")
        else:
            self._send_fixture(fixture)

    def _read_body(self) -> bytes:
        """The request body, read by Content-Length."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _original_url(self, replay: ReplayServer) -> str | None:
        """Rebuild the original URL from X-Replay-Origin (or the tree's only host) + path."""
        if self.path.startswith(("http://", "https://")):
            return self.path
        origin = self.headers.get(ORIGIN_HEADER) or replay.default_origin()
        return None if origin is None else origin.rstrip("/") + self.path

    def _send_fixture(self, fixture: Fixture) -> None:
        """Write status, saved headers, validators and (unless HEAD or 304) the body."""
        etag, last_modified = etag_of(fixture), last_modified_of(fixture)
        if self._not_modified(fixture, etag, last_modified):
            self.send_response_only(304)
            self._send_validators(etag, last_modified)
            self.end_headers()
            return
        self.send_response_only(fixture.status)
        names = set()
        for name, value in fixture.header_pairs():
            names.add(name.lower())
            if name.lower() not in _NOT_FORWARDED:
                self.send_header(name, value)
        self._send_validators(etag, last_modified, with_date="date" not in names)
        self.send_header("Content-Length", str(len(fixture.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(fixture.body)

    def _send_validators(self, etag: str, last_modified: str, with_date: bool = True) -> None:
        """Send ETag, Last-Modified and (unless saved) Date."""
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        if with_date:
            self.send_header("Date", self.date_time_string())

    def _not_modified(self, fixture: Fixture, etag: str, last_modified: str) -> bool:
        """True when the conditional request headers say the client's copy is current."""
        if self.command not in ("GET", "HEAD") or fixture.status != 200:
            return False
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag_matches(if_none_match, etag)
        since = self.headers.get("If-Modified-Since")
        return since is not None and not_modified_since(last_modified, since)

    def _send_text(self, status: int, text: str) -> None:
        """Send a short plain-text response."""
        data = text.encode("utf-8")
        self.send_response_only(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Date", self.date_time_string())
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Route the per-request access log to DEBUG instead of stderr."""
        log.debug("replay: " + format, *args)


def _saved_header(fixture: Fixture, name: str) -> str | None:
    """First value of a saved response header, case-insensitively."""
    return next((v for k, v in fixture.header_pairs() if k.lower() == name), None)


def etag_of(fixture: Fixture) -> str:
    """Quoted ETag: meta ``etag``, else a saved ETag header, else a sha256 prefix of the body."""
    tag = fixture.etag or _saved_header(fixture, "etag")
    if tag is None:
        tag = hashlib.sha256(fixture.body).hexdigest()[:16]
    return tag if tag.startswith(('"', 'W/"')) else f'"{tag}"'


def last_modified_of(fixture: Fixture) -> str:
    """Meta ``last_modified``, else a saved Last-Modified header, else captured_at as HTTP date."""
    saved = fixture.last_modified or _saved_header(fixture, "last-modified")
    return saved or format_datetime(fixture.captured_at.astimezone(UTC), usegmt=True)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of an If-None-Match list against one ETag."""
    if if_none_match.strip() == "*":
        return True
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag.removeprefix("W/") in wanted


def not_modified_since(last_modified: str, if_modified_since: str) -> bool:
    """True when Last-Modified is not later than If-Modified-Since (bad dates: False)."""
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    """Serve DIR until SIGTERM/SIGINT, printing ``READY <port>`` once listening."""
    parser = argparse.ArgumentParser(
        prog="python -m crawler.replay.server",
        description="Serve a fixture tree on 127.0.0.1 until SIGTERM or Ctrl-C.",
    )
    parser.add_argument("root", type=Path, help="fixture tree to serve")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        server = ReplayServer(args.root, port=args.port)
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    with server:
        print(f"READY {server.port}", flush=True)
        while not stopping.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
