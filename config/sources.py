"""Sources and their channels, as data: the bundled catalogue plus the user's overrides.

The catalogue (``config/data/sources.toml``) says which sites regwatch knows and the list
pages (channels) it reads on each. A ``[sources.<name>]`` table in ``regwatch.toml``, or a
``--set sources.<name>.<key>=<value>`` flag, is laid over it key by key, so adding a channel
(say another CAC column code), disabling one, or pointing one at a new URL needs no code.

Every channel URL must be http(s) on one of its source's ``hosts``: those hosts are all the
crawler may fetch for that source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

SOURCE_KEYS = {
    "label",
    "hosts",
    "enabled",
    "filter_by_keywords",
    "verify_tls",
    "enabled_channels",
    "channels",
}
CHANNEL_KEYS = {"label", "url", "enabled", "format", "filter_by_keywords"}
_BOOL_KEYS = {"enabled", "filter_by_keywords", "verify_tls"}
_LIST_KEYS = {"hosts", "enabled_channels"}


class SourcesError(ValueError):
    """The sources configuration is inconsistent; the message names the offending key."""


@dataclass(frozen=True)
class Channel:
    """One list page or feed of a source.

    ``filter_by_keywords`` None follows the source's setting; true or false overrides it for
    this channel (a bureau's own list may be wholly relevant on a site that is not).
    """

    name: str
    url: str
    label: str = ""
    enabled: bool = True
    format: str = ""
    filter_by_keywords: bool | None = None


@dataclass(frozen=True)
class Source:
    """A site regwatch watches: the hosts it may fetch and its channels.

    ``verify_tls`` false turns certificate verification off for this source alone (a site
    with a broken certificate chain); every other source keeps verifying.
    """

    name: str
    label: str
    hosts: tuple[str, ...]
    enabled: bool = True
    filter_by_keywords: bool = False
    verify_tls: bool = True
    channels: dict[str, Channel] = field(default_factory=dict)

    def enabled_channels(self) -> list[Channel]:
        """The channels to read, in catalogue order."""
        return [c for c in self.channels.values() if c.enabled]

    def filters(self, channel: str) -> bool:
        """Whether list entries of ``channel`` are kept only when their title has a keyword."""
        own = self.channels[channel].filter_by_keywords if channel in self.channels else None
        return self.filter_by_keywords if own is None else own

    def allows_host(self, host: str) -> bool:
        """True when ``host`` (exactly, case-insensitive) is one of this source's hosts."""
        return host.lower().rstrip(".") in self.hosts


def catalogue() -> dict[str, Any]:
    """The bundled sources table, as parsed TOML."""
    text = resources.files("config").joinpath("data/sources.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def overlay(tree: dict[str, Any], override: dict[str, Any], where: str = "sources") -> None:
    """Lay ``override`` over ``tree`` in place, table by table (a value replaces a value)."""
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(tree.get(key), dict):
            overlay(tree[key], value, f"{where}.{key}")
        elif isinstance(value, dict):
            tree[key] = _copy(value)
        else:
            tree[key] = value


def set_dotted(tree: dict[str, Any], dotted: str, raw: Any) -> None:
    """Apply ``sources.<name>.<key>`` or ``sources.<name>.channels.<channel>.<key>`` = raw."""
    parts = dotted.split(".")
    shaped = len(parts) == 3 or (len(parts) == 5 and parts[2] == "channels")
    if parts[0] != "sources" or not shaped:
        raise SourcesError(
            f"unknown setting {dotted!r}; use sources.<source>.<key> "
            "or sources.<source>.channels.<channel>.<key>"
        )
    node = tree.setdefault(parts[1], {})
    for part in parts[2:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = _coerce(dotted, parts[-1], raw)


def build(tree: dict[str, Any]) -> dict[str, Source]:
    """Validated Source objects from the merged tree."""
    return {name: _source(name, table) for name, table in tree.items()}


def _source(name: str, table: Any) -> Source:
    where = f"sources.{name}"
    if not isinstance(table, dict):
        raise SourcesError(f"{where} must be a table")
    _check_keys(where, table, SOURCE_KEYS)
    hosts = tuple(h.lower().rstrip(".") for h in _list(where + ".hosts", table.get("hosts", [])))
    if not hosts:
        raise SourcesError(f"{where}.hosts must name at least one host")
    raw_channels = table.get("channels", {})
    if not isinstance(raw_channels, dict):
        raise SourcesError(f"{where}.channels must be a table of channels")
    channels = {c: _channel(f"{where}.channels.{c}", c, t, hosts) for c, t in raw_channels.items()}
    only = table.get("enabled_channels")
    if only is not None:
        only = _list(where + ".enabled_channels", only)
        unknown = sorted(set(only) - set(channels))
        if unknown:
            raise SourcesError(
                f"{where}.enabled_channels names unknown channels {unknown}; "
                f"known: {sorted(channels)}"
            )
        channels = {c: replace(ch, enabled=c in only) for c, ch in channels.items()}
    return Source(
        name=name,
        label=str(table.get("label", name)),
        hosts=hosts,
        enabled=_bool(where + ".enabled", table.get("enabled", True)),
        filter_by_keywords=_bool(
            where + ".filter_by_keywords", table.get("filter_by_keywords", False)
        ),
        verify_tls=_bool(where + ".verify_tls", table.get("verify_tls", True)),
        channels=channels,
    )


def _channel(where: str, name: str, table: Any, hosts: tuple[str, ...]) -> Channel:
    if not isinstance(table, dict):
        raise SourcesError(f"{where} must be a table with at least url = ...")
    _check_keys(where, table, CHANNEL_KEYS)
    url = str(table.get("url", "")).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourcesError(f"{where}.url must be an http(s) URL, not {url!r}")
    if parts.hostname not in hosts:
        raise SourcesError(f"{where}.url is on {parts.hostname}, which is not in hosts {hosts}")
    return Channel(
        name=name,
        url=url,
        label=str(table.get("label", "")),
        enabled=_bool(where + ".enabled", table.get("enabled", True)),
        format=str(table.get("format", "")),
        filter_by_keywords=(
            None
            if "filter_by_keywords" not in table
            else _bool(where + ".filter_by_keywords", table["filter_by_keywords"])
        ),
    )


def _check_keys(where: str, table: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise SourcesError(f"unknown key(s) {unknown} in {where}; allowed: {sorted(allowed)}")


def _coerce(where: str, key: str, raw: Any) -> Any:
    if key in _BOOL_KEYS:
        return _bool(where, raw)
    if key in _LIST_KEYS:
        return _list(where, raw)
    return raw


def _bool(where: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise SourcesError(f"{where}: {value!r} is not true or false")


def _list(where: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise SourcesError(f"{where}: {value!r} is not a list")


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in value.items()}
