"""The health of every configured source and channel, as people and machines read it.

Combines the sources catalogue (what should be polled) with the stored health (what the last
polls found) and the documents' publication dates (for ``stale``). Used by
``regwatch sources``, the crawl summary and the editors' dashboard.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from config import Settings
from model.health import OK, ChannelHealth, HealthPolicy, summarize
from storage import Store

TROUBLE = ("blocked", "throttled", "fetch_failed", "parse_suspect", "robots_disallowed")
"""States that mean "we could not look properly": a crawl reporting one exits non-zero."""


@dataclass(frozen=True)
class ChannelReport:
    name: str
    label: str
    url: str
    enabled: bool
    health: ChannelHealth


@dataclass(frozen=True)
class SourceReport:
    name: str
    label: str
    enabled: bool
    health: ChannelHealth
    channels: list[ChannelReport] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO 8601 strings."""
        return {
            "source": self.name,
            "label": self.label,
            "enabled": self.enabled,
            **_health_dict(self.health),
            "channels": [
                {
                    "channel": c.name,
                    "label": c.label,
                    "url": c.url,
                    "enabled": c.enabled,
                    **_health_dict(c.health),
                }
                for c in self.channels
            ],
        }


def policy_of(settings: Settings) -> HealthPolicy:
    """The health rules' knobs from settings ``health.*``."""
    health = settings.health
    return HealthPolicy(
        blocked_retry=timedelta(hours=health.blocked_retry_hours),
        max_retry_after=timedelta(seconds=health.max_retry_after_seconds),
        stale_factor=health.stale_factor,
        stale_min_documents=health.stale_min_documents,
    )


def source_reports(
    settings: Settings, store: Store, now: datetime, names: list[str] | None = None
) -> list[SourceReport]:
    """A report per configured source (or per named source), channels included."""
    policy = policy_of(settings)
    reports = []
    for name, source in settings.sources.items():
        if names is not None and name not in names:
            continue
        stored = {h.channel: h for h in store.channel_health(name)}
        channels = [
            ChannelReport(
                c.name,
                c.label,
                c.url,
                c.enabled,
                stored.get(c.name) or _unpolled(name, c.name, c.enabled),
            )
            for c in source.channels.values()
        ]
        if "recheck" in stored:
            channels.append(
                ChannelReport(
                    "recheck", "re-checks of recent documents", "", True, stored["recheck"]
                )
            )
        polled = [c.health for c in channels if c.enabled and c.health.checked_at is not None]
        health = summarize(
            name, polled, published=store.published_dates(name), now=now, policy=policy
        )
        reports.append(SourceReport(name, source.label, source.enabled, health, channels))
    return reports


def _unpolled(source: str, channel: str, enabled: bool) -> ChannelHealth:
    return ChannelHealth(
        source, channel, state=OK, reason="never polled" if enabled else "disabled"
    )


def _health_dict(health: ChannelHealth) -> dict[str, Any]:
    data = asdict(health)
    data.pop("source")
    data.pop("channel")
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}
