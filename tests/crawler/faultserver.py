"""A scripted HTTP server that misbehaves on cue, for the crawler's reliability tests.

Run as a process::

    python -m tests.crawler.faultserver SCENARIO.json --host 127.0.0.1 --port 0 --log REQ.jsonl

It prints one line ``READY <port>`` once listening and serves until SIGTERM or SIGINT. Every
request is appended to the JSONL log as soon as its head is read, before it is answered:
``{"method", "path" (path and query as sent), "host", "headers" (lower-case names), "at"}``.

A scenario is ``{"routes": {PATH: SPEC or [SPEC, ...]}, "default": SPEC}``. A list is consumed
one spec per request to that route, its last spec repeating forever. A request matches its exact
path and query, then its path alone, then the longest ``"/prefix/*"`` route, then ``default``;
anything else gets a 404. Spec fields, all optional (200 with an empty body by default):

- ``status``, ``reason``; ``headers`` as ``{name: value}`` or ``[[name, value], ...]``
  (values are sent as UTF-8, so a raw non-ASCII Location can be scripted);
- the body: ``body`` (text, sent as UTF-8), ``body_b64``, ``body_file`` (relative to the
  scenario's folder) or ``zeros`` (that many zero bytes, streamed);
- ``content_length``: a number to lie, ``null`` to leave it out (the body then ends when the
  connection closes); ``chunked``: true for ``Transfer-Encoding: chunked``;
- ``encoding``: ``gzip``, ``deflate`` (zlib-wrapped) or ``br``; with ``zeros`` this is a
  decompression bomb, built once per size and kept for the life of the process;
- ``delay`` (seconds before anything is sent); ``hang``: ``before_headers`` or
  ``after_headers`` (then nothing more until the client goes away);
- ``drip``: ``{"interval": seconds, "bytes": n}`` sends the body n bytes at a time;
- ``truncate_after``: send only that many body bytes, then close; ``reset``: true closes with a
  TCP RST instead of a FIN;
- ``redirect``: a Location, with status 302 unless ``status`` says otherwise.

``{port}`` and ``{host}`` in header values and ``body`` text become the server's own port and
bound host. Every answer carries ``Connection: close``, a Date and (unless the spec sets one)
``Content-Type: text/html; charset=utf-8``; a malformed request gets a 400.

``FaultServer`` runs the process from a test: ``with FaultServer(scenario, tmp_path) as srv``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import traceback
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any

import brotli

ROOT = Path(__file__).resolve().parents[2]
MIB = 1 << 20
ENCODINGS = ("gzip", "deflate", "br")
HANGS = ("before_headers", "after_headers")
SPEC_FIELDS = frozenset(
    {"status", "reason", "headers", "body", "body_b64", "body_file", "zeros"}
    | {"content_length", "chunked", "encoding", "delay", "hang", "drip"}
    | {"truncate_after", "reset", "redirect"}
)
BODY_FIELDS = ("body", "body_b64", "body_file", "zeros")
DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
SEND_PIECE = 64 * 1024
ZERO_PIECE = bytes(SEND_PIECE)
MAX_HEAD = 64 * 1024
MAX_REQUEST_BODY = 16 * MIB
LINGER_SECONDS = 5.0
DEFAULT_KEY = "\0default"


class ScenarioError(ValueError):
    """The scenario file cannot be served as written."""


# ---------------------------------------------------------------------------------------------
# Scenario


@dataclass(frozen=True)
class Reply:
    """One response spec, checked and normalised."""

    status: int = 200
    reason: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: str | bytes | Path | int = b""  # text (filled in), raw bytes, a file, or N zeros
    content_length: int | None = None  # None: the real length
    omit_length: bool = False
    chunked: bool = False
    encoding: str | None = None
    delay: float = 0.0
    hang: str | None = None
    drip: tuple[float, int] | None = None
    truncate_after: int | None = None
    reset: bool = False

    @classmethod
    def parse(cls, spec: Any, base: Path, where: str) -> Reply:
        """Check one spec from the scenario; ``where`` names it in error messages."""
        if not isinstance(spec, dict):
            raise ScenarioError(f"{where}: a response spec must be an object")
        unknown = set(spec) - SPEC_FIELDS
        if unknown:
            raise ScenarioError(f"{where}: unknown fields {sorted(unknown)}")
        bodies = [name for name in BODY_FIELDS if name in spec]
        if len(bodies) > 1:
            raise ScenarioError(f"{where}: give only one of {bodies}")
        headers = _parse_headers(spec.get("headers", {}), where)
        status = spec.get("status", 302 if "redirect" in spec else 200)
        if "redirect" in spec:
            headers = (*headers, ("Location", _text(spec["redirect"], f"{where}.redirect")))
        return cls(
            status=_int(status, f"{where}.status", 100, 999),
            reason=_text(spec["reason"], f"{where}.reason") if "reason" in spec else None,
            headers=headers,
            body=_parse_body(spec, bodies[0] if bodies else None, base, where),
            content_length=_optional_int(spec.get("content_length"), f"{where}.content_length"),
            omit_length="content_length" in spec and spec["content_length"] is None,
            chunked=_bool(spec.get("chunked", False), f"{where}.chunked"),
            encoding=_choice(spec.get("encoding"), ENCODINGS, f"{where}.encoding"),
            delay=_number(spec.get("delay", 0), f"{where}.delay"),
            hang=_choice(spec.get("hang"), HANGS, f"{where}.hang"),
            drip=_parse_drip(spec["drip"], where) if "drip" in spec else None,
            truncate_after=_optional_int(spec.get("truncate_after"), f"{where}.truncate_after"),
            reset=_bool(spec.get("reset", False), f"{where}.reset"),
        )

    def has_header(self, name: str) -> bool:
        """True when the spec sets this header itself."""
        return any(key.lower() == name for key, _ in self.headers)


def _parse_headers(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    """``{name: value}`` or ``[[name, value], ...]`` as a tuple of pairs."""
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = raw
    else:
        raise ScenarioError(f"{where}.headers: an object or a list of [name, value] pairs")
    out = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ScenarioError(f"{where}.headers: {pair!r} is not a [name, value] pair")
        name, value = pair
        name = _text(name, f"{where}.headers")
        if not name or any(c in name for c in ":\r\n "):
            raise ScenarioError(f"{where}.headers: bad header name {name!r}")
        value = value if isinstance(value, str) else str(value)
        if "\r" in value or "\n" in value:
            raise ScenarioError(f"{where}.headers: line break in {name}")
        out.append((name, value))
    return tuple(out)


def _parse_body(spec: dict[str, Any], kind: str | None, base: Path, where: str) -> Any:
    """The body field as text, bytes, a Path or a zero count."""
    if kind is None:
        return b""
    value = spec[kind]
    if kind == "body":
        return _text(value, f"{where}.body")
    if kind == "body_b64":
        try:
            return base64.b64decode(_text(value, f"{where}.body_b64"), validate=True)
        except ValueError as exc:
            raise ScenarioError(f"{where}.body_b64: {exc}") from None
    if kind == "body_file":
        path = base / _text(value, f"{where}.body_file")
        if not path.is_file():
            raise ScenarioError(f"{where}.body_file: no file {path}")
        return path
    return _int(value, f"{where}.zeros", 0)


def _parse_drip(raw: Any, where: str) -> tuple[float, int]:
    """``{"interval": s, "bytes": n}`` as (s, n)."""
    if not isinstance(raw, dict) or set(raw) - {"interval", "bytes"}:
        raise ScenarioError(f'{where}.drip: {{"interval": seconds, "bytes": n}}')
    interval = _number(raw.get("interval", 1.0), f"{where}.drip.interval")
    return interval, _int(raw.get("bytes", 1), f"{where}.drip.bytes", 1)


def _int(value: Any, where: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ScenarioError(f"{where}: expected an integer >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ScenarioError(f"{where}: expected an integer <= {high}, got {value!r}")
    return value


def _optional_int(value: Any, where: str) -> int | None:
    return None if value is None else _int(value, where)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ScenarioError(f"{where}: expected a number >= 0, got {value!r}")
    return float(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(f"{where}: expected true or false, got {value!r}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected a string, got {value!r}")
    return value


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str | None:
    if value is not None and value not in allowed:
        raise ScenarioError(f"{where}: one of {list(allowed)}, got {value!r}")
    return value


@dataclass
class Scenario:
    """Routes to reply sequences, and which reply each route gives next."""

    exact: dict[str, list[Reply]]
    prefixes: list[tuple[str, list[Reply]]]  # longest prefix first
    default: list[Reply] | None
    hits: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Scenario:
        """Read and check a scenario file."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ScenarioError(f"{path}: {exc}") from None
        return cls.parse(raw, path.parent)

    @classmethod
    def parse(cls, raw: Any, base: Path) -> Scenario:
        """Check a scenario object; ``body_file`` paths are relative to ``base``."""
        if not isinstance(raw, dict) or set(raw) - {"routes", "default"}:
            raise ScenarioError('a scenario is {"routes": {...}, "default": spec}')
        routes = raw.get("routes", {})
        if not isinstance(routes, dict):
            raise ScenarioError('"routes" must map paths to specs')
        exact, prefixes = {}, []
        for route, specs in routes.items():
            replies = _parse_sequence(specs, base, f"routes[{route!r}]")
            if route.endswith("*"):
                prefixes.append((route[:-1], replies))
            else:
                exact[route] = replies
        prefixes.sort(key=lambda item: len(item[0]), reverse=True)
        default = raw.get("default")
        return cls(
            exact=exact,
            prefixes=prefixes,
            default=None if default is None else _parse_sequence(default, base, "default"),
        )

    def pick(self, target: str) -> Reply | None:
        """The next reply for a request target, or None when no route (nor default) matches."""
        path = target.split("?", 1)[0]
        for key in (target, path):
            if key in self.exact:
                return self._next(key, self.exact[key])
        for prefix, replies in self.prefixes:
            if target.startswith(prefix):
                return self._next(prefix + "*", replies)
        return None if self.default is None else self._next(DEFAULT_KEY, self.default)

    def _next(self, key: str, replies: list[Reply]) -> Reply:
        index = self.hits.get(key, 0)
        self.hits[key] = index + 1
        return replies[min(index, len(replies) - 1)]


def _parse_sequence(specs: Any, base: Path, where: str) -> list[Reply]:
    """One spec or a non-empty list of specs."""
    if isinstance(specs, list):
        if not specs:
            raise ScenarioError(f"{where}: an empty list of specs")
        return [Reply.parse(spec, base, f"{where}[{i}]") for i, spec in enumerate(specs)]
    return [Reply.parse(specs, base, where)]


# ---------------------------------------------------------------------------------------------
# Compression


def compress(encoding: str, data: bytes) -> bytes:
    """``data`` with a Content-Encoding applied (``deflate`` is the zlib-wrapped form)."""
    if encoding == "br":
        return bytes(brotli.compress(data, quality=5))
    wbits = 31 if encoding == "gzip" else 15
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


def zero_bomb(encoding: str, size: int) -> bytes:
    """The ``encoding`` stream of ``size`` zero bytes, built without holding them.

    brotli compresses a 4 MiB zero block over and over with one streaming compressor. For gzip
    and deflate, each 1 MiB block is compressed once and ended with a full flush (which resets
    the compressor, so every later block compresses to the same bytes); the stream is that
    piece repeated, a final empty block, and a checksum computed over the zeros.
    """
    if encoding == "br":
        block = bytes(4 * MIB)
        packer = brotli.Compressor(quality=4, lgwin=24)
        parts = [packer.process(block) for _ in range(size // len(block))]
        parts.append(packer.process(bytes(size % len(block))))
        parts.append(packer.finish())
        return b"".join(parts)
    block = bytes(MIB)
    gzip = encoding == "gzip"
    packer = zlib.compressobj(9, zlib.DEFLATED, 31 if gzip else 15)
    whole, rest = divmod(size, MIB)
    parts = []
    check = 0 if gzip else 1
    checksum = zlib.crc32 if gzip else zlib.adler32
    if whole:
        parts.append(packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH))
        if whole > 1:
            parts.append((packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)) * (whole - 1))
        for _ in range(whole):
            check = checksum(block, check)
    if rest or not whole:
        parts.append(packer.compress(block[:rest]) + packer.flush(zlib.Z_FULL_FLUSH))
        check = checksum(block[:rest], check)
    end = packer.flush()  # the last (empty) block, then a trailer over what was fed in
    trailer = struct.pack("<II", check, size & 0xFFFFFFFF) if gzip else struct.pack(">I", check)
    parts.append(end[: -len(trailer)] + trailer)
    return b"".join(parts)


# ---------------------------------------------------------------------------------------------
# Server


@dataclass
class Request:
    """A request head as read off the wire."""

    method: str
    target: str
    headers: dict[str, str]
    error: str | None = None

    def log_entry(self) -> dict[str, Any]:
        """The JSONL log line for this request."""
        entry: dict[str, Any] = {
            "method": self.method,
            "path": self.target,
            "host": self.headers.get("host", ""),
            "headers": self.headers,
            "at": time.time(),
        }
        if self.error is not None:
            entry["error"] = self.error
        return entry


class BadRequest(Exception):
    """The request cannot be parsed."""


class FaultHTTPServer:
    """The asyncio server behind the command line."""

    def __init__(self, scenario: Scenario, host: str, log_path: Path | None) -> None:
        self.scenario = scenario
        self.host = host
        self.port = 0
        self._log = None if log_path is None else log_path.open("a", encoding="utf-8")
        self._tasks: set[asyncio.Task[None]] = set()
        self._encoded: dict[tuple[str, Any], asyncio.Future[bytes]] = {}

    async def serve(self, port: int, stop: asyncio.Event) -> None:
        """Listen, print READY, serve until ``stop`` is set, then drop every connection."""
        server = await asyncio.start_server(
            self._connection, self.host, port, limit=MAX_HEAD, backlog=1024
        )
        self.port = server.sockets[0].getsockname()[1]
        print(f"READY {self.port}", flush=True)
        try:
            await stop.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._log is not None:
                self._log.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._exchange(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client went away
        except asyncio.CancelledError:
            pass  # shutting down: the connection is dropped below
        except Exception:
            traceback.print_exc(file=sys.stderr)
        finally:
            self._tasks.discard(task)
            writer.transport.abort()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read one request, log it, answer it as scripted, close."""
        request = await read_request(reader)
        if request is None:
            return
        self._write_log(request)
        if request.error is not None:
            await self._send_plain(reader, writer, 400, f"bad request: {request.error}\n")
            return
        target = request.target
        if target.startswith(("http://", "https://")):  # absolute form, as sent to a proxy
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        reply = self.scenario.pick(target)
        if reply is None:
            await self._send_plain(reader, writer, 404, f"no route for {target}\n")
            return
        await self._answer(reader, writer, request, reply)

    def _write_log(self, request: Request) -> None:
        if self._log is not None:
            self._log.write(json.dumps(request.log_entry(), ensure_ascii=False) + "\n")
            self._log.flush()

    def _fill(self, text: str) -> str:
        return text.replace("{port}", str(self.port)).replace("{host}", self.host)

    async def _answer(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: Request,
        reply: Reply,
    ) -> None:
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.hang == "before_headers":
            await hang(reader)
            return
        body = await self._body(reply)
        length = len(body) if isinstance(body, bytes) else body
        declared = length if reply.content_length is None else reply.content_length
        if reply.omit_length or (reply.content_length is None and reply.chunked):
            declared = None
        elif reply.hang == "after_headers" and length == 0 and reply.content_length is None:
            declared = None  # "Content-Length: 0" would be a complete reply, not a hang
        writer.write(self._head(reply, declared))
        await writer.drain()
        if reply.hang == "after_headers":
            await hang(reader)
            return
        if request.method != "HEAD":
            await self._send_body(writer, reply, body, length)
        if reply.reset:
            await reset(writer)
            return
        await lingering_close(reader, writer)

    async def _body(self, reply: Reply) -> bytes | int:
        """The bytes to send, or a count of zeros to stream."""
        body = reply.body
        if isinstance(body, str):
            body = self._fill(body).encode("utf-8")
        elif isinstance(body, Path):
            body = await asyncio.to_thread(body.read_bytes)
        if reply.encoding is None:
            return body
        key = (reply.encoding, body)
        if key not in self._encoded:  # built once, off the event loop, shared by every hit
            if isinstance(body, int):
                work = asyncio.to_thread(zero_bomb, reply.encoding, body)
            else:
                work = asyncio.to_thread(compress, reply.encoding, body)
            self._encoded[key] = asyncio.ensure_future(work)
        return await asyncio.shield(self._encoded[key])

    def _head(self, reply: Reply, content_length: int | None) -> bytes:
        reason = reply.reason
        if reason is None:
            try:
                reason = HTTPStatus(reply.status).phrase
            except ValueError:
                reason = "Unknown"
        lines = [f"HTTP/1.1 {reply.status} {reason}"]
        if not reply.has_header("date"):
            lines.append(f"Date: {formatdate(usegmt=True)}")
        if not reply.has_header("content-type"):
            lines.append(f"Content-Type: {DEFAULT_CONTENT_TYPE}")
        lines += [f"{name}: {self._fill(value)}" for name, value in reply.headers]
        if reply.encoding is not None and not reply.has_header("content-encoding"):
            lines.append(f"Content-Encoding: {reply.encoding}")
        if content_length is not None and not reply.has_header("content-length"):
            lines.append(f"Content-Length: {content_length}")
        if reply.chunked and not reply.has_header("transfer-encoding"):
            lines.append("Transfer-Encoding: chunked")
        if not reply.has_header("connection"):
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    async def _send_body(
        self, writer: asyncio.StreamWriter, reply: Reply, body: bytes | int, length: int
    ) -> None:
        limit = length if reply.truncate_after is None else min(length, reply.truncate_after)
        size = SEND_PIECE if reply.drip is None else reply.drip[1]
        for index, piece in enumerate(pieces(body, limit, size)):
            if reply.drip is not None and index:
                await asyncio.sleep(reply.drip[0])
            if reply.chunked:
                writer.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            else:
                writer.write(piece)
            await writer.drain()
        if reply.chunked and limit == length:
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    async def _send_plain(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, status: int, text: str
    ) -> None:
        data = text.encode("utf-8")
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            f"Date: {formatdate(usegmt=True)}\r\n"
            f"Content-Type: {DEFAULT_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode("utf-8") + data)
        await lingering_close(reader, writer)


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """Read one request (head and body); None when the client sent nothing at all."""
    lines: list[str] = []
    size = 0
    try:
        while True:
            raw = await reader.readline()
            if not raw:
                if not lines and size == 0:
                    return None
                raise BadRequest("the request head ends early")
            size += len(raw)
            if size > MAX_HEAD:
                raise BadRequest("the request head is too large")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                if lines:
                    break
                continue  # stray blank lines before a request are allowed
            lines.append(line)
    except ValueError:  # LimitOverrunError: one line longer than MAX_HEAD
        return Request("", "", {}, error="a request line is too long")
    except BadRequest as exc:
        return Request("", "", {}, error=str(exc))
    parts = lines[0].split(" ")
    headers: dict[str, str] = {}
    error = None
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or " " in name:
            error = f"bad header line {line[:80]!r}"
            continue
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if len(parts) != 3 or not parts[0] or not parts[2].startswith("HTTP/"):
        return Request(parts[0], parts[1] if len(parts) > 1 else "", headers, "bad request line")
    method, target, _ = parts
    if error is None:
        try:
            await read_request_body(reader, headers)
        except BadRequest as exc:
            error = str(exc)
    return Request(method, target, headers, error)


async def read_request_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> None:
    """Read and drop the request body, by Content-Length or chunked framing."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        total = 0
        while True:
            line = await reader.readline()
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequest("bad chunk size") from None
            total += size
            if total > MAX_REQUEST_BODY:
                raise BadRequest("the request body is too large")
            if size == 0:
                while (await reader.readline()).strip():  # trailers, up to a blank line
                    pass
                return
            await reader.readexactly(size + 2)
    length = headers.get("content-length")
    if length is None:
        return
    if not length.isdigit():
        raise BadRequest("bad Content-Length")
    if int(length) > MAX_REQUEST_BODY:
        raise BadRequest("the request body is too large")
    await reader.readexactly(int(length))


def pieces(body: bytes | int, limit: int, size: int) -> Iterator[bytes]:
    """The first ``limit`` body bytes in pieces of ``size`` (zeros when ``body`` is a count)."""
    sent = 0
    while sent < limit:
        step = min(size, limit - sent)
        if isinstance(body, int):
            yield ZERO_PIECE[:step] if step <= SEND_PIECE else bytes(step)
        else:
            yield body[sent : sent + step]
        sent += step


async def wait_for_eof(reader: asyncio.StreamReader) -> None:
    """Drop whatever the client sends until it closes."""
    while await reader.read(SEND_PIECE):
        pass


async def hang(reader: asyncio.StreamReader) -> None:
    """Send nothing more, not even a FIN: the connection stays open until the server stops,
    even after the client has closed (or only half-closed) its side."""
    await wait_for_eof(reader)  # drop whatever else it sends
    await asyncio.Event().wait()


async def lingering_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send our FIN, then wait (a while) for the client's, so unread input causes no RST."""
    await writer.drain()
    if writer.can_write_eof():
        writer.write_eof()
    with contextlib.suppress(ConnectionError, TimeoutError):
        await asyncio.wait_for(wait_for_eof(reader), LINGER_SECONDS)


async def reset(writer: asyncio.StreamWriter) -> None:
    """Flush what was written, then abort the connection with a TCP RST."""
    await writer.drain()
    transport = writer.transport
    while transport.get_write_buffer_size():
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.05)  # let the peer take in the bytes before the RST
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def serve(
    scenario: Scenario, host: str, port: int, log_path: Path | None, stopper: list[Any]
) -> None:
    """Serve until ``stopper[0]`` (called from a signal handler) is called."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    stopper.append(lambda: loop.call_soon_threadsafe(stop.set))
    await FaultHTTPServer(scenario, host, log_path).serve(port, stop)


def on_signal(stopper: list[Any]) -> Any:
    """A SIGTERM/SIGINT handler that stops the server, and ignores any signal after that."""

    def handler(signum: int, frame: Any) -> None:
        if stopper:
            with contextlib.suppress(RuntimeError):  # the loop is closed: already stopping
                stopper[0]()

    return handler


def main(argv: list[str] | None = None) -> int:
    """Serve SCENARIO until SIGTERM/SIGINT, printing ``READY <port>`` once listening."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.crawler.faultserver",
        description="Serve a scripted, misbehaving HTTP scenario until SIGTERM or Ctrl-C.",
    )
    parser.add_argument("scenario", type=Path, help="scenario JSON file")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: any free)")
    parser.add_argument("--log", type=Path, help="append every request to this JSONL file")
    args = parser.parse_args(argv)
    try:
        scenario = Scenario.load(args.scenario)
    except ScenarioError as exc:
        print(f"faultserver: bad scenario: {exc}", file=sys.stderr)
        return 2
    stopper: list[Any] = []
    for signum in (signal.SIGTERM, signal.SIGINT):  # set before asyncio.run, which keeps them
        signal.signal(signum, on_signal(stopper))
    try:
        asyncio.run(serve(scenario, args.host, args.port, args.log, stopper))
    except OSError as exc:
        print(f"faultserver: {exc}", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------------------------
# Test helper


class FaultServer:
    """Runs the fault server as a subprocess for the length of a ``with`` block."""

    def __init__(
        self, scenario: dict[str, Any], tmp_path: Path, *, host: str = "127.0.0.1"
    ) -> None:
        self.scenario = scenario
        self.tmp_path = Path(tmp_path)
        self.host = host
        self.port = 0
        self.returncode: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self.scenario_path = self.tmp_path / "scenario.json"
        self.log_path = self.tmp_path / "scenario.requests.jsonl"
        self._stderr_path = self.tmp_path / "scenario.stderr"

    @property
    def pid(self) -> int:
        """The server process id."""
        if self._proc is None:
            raise RuntimeError("FaultServer is not started")
        return self._proc.pid

    def __enter__(self) -> FaultServer:
        """Write the scenario, start the process and wait (10 s at most) for READY."""
        self.tmp_path.mkdir(parents=True, exist_ok=True)
        stem, n = "scenario", 1
        while (self.tmp_path / f"{stem}.json").exists():  # several servers in one folder
            n += 1
            stem = f"scenario-{n}"
        self.scenario_path = self.tmp_path / f"{stem}.json"
        self.log_path = self.tmp_path / f"{stem}.requests.jsonl"
        self._stderr_path = self.tmp_path / f"{stem}.stderr"
        self.scenario_path.write_text(json.dumps(self.scenario, ensure_ascii=False), "utf-8")
        self.log_path.touch()
        with self._stderr_path.open("wb") as stderr:
            self._proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "tests.crawler.faultserver", str(self.scenario_path)),
                    *("--host", self.host, "--port", "0", "--log", str(self.log_path)),
                ],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        try:
            self.port = self._wait_ready(10.0)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float) -> int:
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        out = b""
        while b"\n" not in out:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"fault server not ready after {timeout} s: {self._stderr()}")
            readable, _, _ = select.select([self._proc.stdout], [], [], min(left, 0.1))
            if readable:
                chunk = os.read(self._proc.stdout.fileno(), 4096)
                if not chunk:
                    self._proc.wait(5)
                    raise RuntimeError(f"fault server exited early: {self._stderr()}")
                out += chunk
        line = out.split(b"\n", 1)[0].decode()
        if not line.startswith("READY "):
            raise RuntimeError(f"fault server said {line!r}: {self._stderr()}")
        return int(line.split()[1])

    def _stderr(self) -> str:
        try:
            return self._stderr_path.read_text("utf-8", "replace").strip() or "(no stderr)"
        except OSError:
            return "(no stderr)"

    def stop(self) -> int | None:
        """Terminate the process (kill it after 5 s) and return its exit status."""
        proc = self._proc
        if proc is None:
            return self.returncode
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        self.returncode = proc.returncode
        self._proc = None
        return self.returncode

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the process."""
        self.stop()

    def url(self, path: str, hostname: str | None = None) -> str:
        """``http://<hostname or host>:<port><path>``."""
        return f"http://{hostname or self.host}:{self.port}{path}"

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        """The logged requests so far; with ``path``, those for that path (query ignored,
        unless ``path`` has one of its own)."""
        entries = []
        with self.log_path.open(encoding="utf-8") as log:
            for line in log:
                if line.endswith("\n"):  # a line still being written is left for later
                    entries.append(json.loads(line))
        if path is None:
            return entries
        if "?" in path:
            return [e for e in entries if e["path"] == path]
        return [e for e in entries if e["path"].split("?", 1)[0] == path]


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown, which puts back the default signal handlers: a second SIGTERM
    # arriving then (a test stopping a server it has just signalled) must not kill the process.
    os._exit(status)
