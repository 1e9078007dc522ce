"""The command line: every job is a subcommand (``regwatch --help``)."""

from __future__ import annotations

import getpass
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import click

from config import Settings, SettingsError, describe, load_settings
from model import APPROVED, BEIJING, FLAGS, PENDING, REJECTED, REVIEW_STATUSES, Document
from model.health import ChannelHealth
from model.serialize import document_to_dict, to_plain
from pipeline import run_main_job
from storage import DocumentFilter, SchemaOutOfDate, Store, current_revision, head_revision
from storage import upgrade as upgrade_schema
from storage.engine import make_engine


class Context:
    """What every subcommand needs: the settings and a way to open the store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check_database(self) -> None:
        """Migrate an empty database, or stop with a clear message on an outdated one."""
        with self.store():
            pass

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The store, migrated when empty; closed afterwards."""
        db = self.settings.database
        try:
            store = Store.open(
                self.settings.database_url(),
                busy_timeout=db.busy_timeout,
                title_window_days=self.settings.identity.title_window_days,
            )
        except SchemaOutOfDate as exc:
            raise click.ClickException(str(exc)) from exc
        with store:
            yield store


pass_ctx = click.make_pass_decorator(Context)


@contextmanager
def reported(*kinds: type[Exception]) -> Iterator[None]:
    """Turn these errors into a one-line message and exit status 1."""
    try:
        yield
    except kinds as exc:
        raise click.ClickException(str(exc)) from exc


def _parse_set(values: tuple[str, ...]) -> dict[str, str]:
    flags = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--set")
        flags[name.strip()] = value
    return flags


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Settings file (TOML); default regwatch.toml here or $REGWATCH_CONFIG.",
)
@click.option("--db", help="Database: a SQLite file path or a SQLAlchemy URL.")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override any setting, e.g. --set database.busy_timeout=30.",
)
@click.pass_context
def main(
    ctx: click.Context, config_path: str | None, db: str | None, overrides: tuple[str, ...]
) -> None:
    """regwatch: watch Chinese regulators for data, cyber and privacy rules."""
    flags = _parse_set(overrides)
    if db:
        flags["database.url"] = db
    try:
        settings = load_settings(flags, config=config_path)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    logging.basicConfig(
        level=settings.general.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.obj = Context(settings)


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the settings table for the README.")
@pass_ctx
def settings_cmd(ctx: Context, markdown: bool) -> None:
    """Show every setting, its value and where the value came from."""
    if markdown:
        click.echo(settings_table())
        return
    for info in describe():
        origin = ctx.settings.origins.get(info.name, "default")
        click.echo(f"{info.name} = {ctx.settings.get(info.name)!r}  ({origin})")


def settings_table() -> str:
    """The README table of settings: name, environment variable, default, help."""
    lines = ["| Setting | Environment | Default | What it does |", "|---|---|---|---|"]
    for info in describe():
        env = "REGWATCH_" + info.name.replace(".", "_").upper()
        default = json.dumps(info.default, ensure_ascii=False)
        lines.append(f"| `{info.name}` | `{env}` | `{default}` | {info.help} |")
    return "\n".join(lines)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the database schema to the newest revision."""
    engine = make_engine(
        ctx.settings.database_url(), busy_timeout=ctx.settings.database.busy_timeout
    )
    try:
        before = current_revision(engine)
        upgrade_schema(engine)
        click.echo(f"database schema: {before or 'empty'} -> {head_revision()}")
    finally:
        engine.dispose()


@main.group()
def documents() -> None:
    """List, show, export and review stored documents."""


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(), tzinfo=BEIJING)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD", param_hint=name) from exc


def filter_options(func: Any) -> Any:
    """The filters shared by ``documents list`` and ``documents export``."""
    options = [
        click.option("--status", type=click.Choice(REVIEW_STATUSES), help="Review status."),
        click.option("--source", help="Only documents seen on this source (e.g. gov_cn)."),
        click.option("--flag", type=click.Choice(FLAGS), help="Only documents with this flag."),
        click.option("--topic", help="Only documents carrying this topic (e.g. cross_border)."),
        click.option("--since", help="Published on or after this day (YYYY-MM-DD, Beijing)."),
        click.option("--until", help="Published before this day (YYYY-MM-DD, Beijing)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filter(
    status: str | None,
    source: str | None,
    flag: str | None,
    topic: str | None,
    since: str | None,
    until: str | None,
    limit: int | None = None,
) -> DocumentFilter:
    return DocumentFilter(
        review_status=status,
        source=source,
        flag=flag,
        topic=topic,
        published_from=_day(since, "--since"),
        published_until=_day(until, "--until"),
        limit=limit,
    )


@documents.command("list")
@filter_options
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@pass_ctx
def documents_list(ctx: Context, limit: int, **filters: Any) -> None:
    """One line per document: id, date, status, flags, source, 文号 and title."""
    with ctx.store() as store:
        found = store.list_documents(_filter(**filters, limit=limit))
    for doc in found:
        click.echo(_summary_line(doc))
    if not found:
        click.echo("no documents match", err=True)


def _summary_line(doc: Document) -> str:
    day = doc.published_at.date().isoformat() if doc.published_at else "----------"
    flags = ",".join(sorted(doc.flags)) or "-"
    topics = ",".join(doc.topic_keys()) or "-"
    return (
        f"{doc.id:>6}  {day}  {doc.review_status:<8}  {flags:<18}  {doc.source:<7}  "
        f"{doc.doc_number or '-'}  {doc.title}  [{topics}]"
    )


@documents.command("show")
@click.argument("doc_id", type=int)
@pass_ctx
def documents_show(ctx: Context, doc_id: int) -> None:
    """Every field of one document, as indented JSON."""
    with ctx.store() as store:
        doc = store.get_document(doc_id)
        verdict = store.classification(doc_id) if doc else None
    if doc is None:
        raise click.ClickException(f"no document with id {doc_id}")
    data = document_to_dict(doc)
    data["classification"] = to_plain(verdict) if verdict else None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@documents.command("add")
@click.argument("url")
@click.option("--user", default=None, help="Who the audit log names (default: your login).")
@pass_ctx
def documents_add(ctx: Context, url: str, user: str | None) -> None:
    """Fetch a page by hand (as the crawler fetches), extract it, and queue it for review."""
    from crawler.manual import ManualFetchError, fetch_document

    with reported(ManualFetchError):
        doc = fetch_document(url, ctx.settings)
    with ctx.store() as store:
        result = store.add_by_hand(doc, user=user or _cli_user(), how="by URL")
    click.echo(f"{result.outcome}: document {result.document_id}  {doc.title}")


@documents.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option(
    "--out",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write; default standard output.",
)
@filter_options
@pass_ctx
def documents_export(ctx: Context, fmt: str, out: Any, **filters: Any) -> None:
    """One JSON object per line per document, with every field."""
    count = 0
    with ctx.store() as store:
        for doc in store.iter_documents(_filter(**filters)):
            out.write(json.dumps(document_to_dict(doc), ensure_ascii=False) + "\n")
            count += 1
    click.echo(f"exported {count} documents", err=True)


def _cli_user() -> str:
    """Who a decision made on the command line is logged as."""
    return f"{getpass.getuser()} (command line)"


def _review(ctx: Context, ids: tuple[int, ...], status: str) -> None:
    with ctx.store() as store:
        missing = store.set_review_status(ids, status, user=_cli_user())
    done = len(ids) - len(missing)
    click.echo(f"{status}: {done} document{'s' if done != 1 else ''}")
    if missing:
        raise click.ClickException(f"no document with id {', '.join(map(str, missing))}")


@documents.command("approve")
@click.argument("ids", type=int, nargs=-1, required=True)
@pass_ctx
def documents_approve(ctx: Context, ids: tuple[int, ...]) -> None:
    """Approve documents for the digest."""
    _review(ctx, ids, APPROVED)


@documents.command("reject")
@click.argument("ids", type=int, nargs=-1, required=True)
@pass_ctx
def documents_reject(ctx: Context, ids: tuple[int, ...]) -> None:
    """Reject documents: they never reach the digest."""
    _review(ctx, ids, REJECTED)


@documents.command("reset")
@click.argument("ids", type=int, nargs=-1, required=True)
@pass_ctx
def documents_reset(ctx: Context, ids: tuple[int, ...]) -> None:
    """Send documents back to pending review."""
    _review(ctx, ids, PENDING)


@main.group("sources", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for machines.")
@click.pass_context
def sources_cmd(click_ctx: click.Context, as_json: bool) -> None:
    """Each source and channel: state, last success, last new document, error counts."""
    if click_ctx.invoked_subcommand is not None:
        return
    from crawler.report import source_reports

    ctx = click_ctx.find_object(Context)
    assert ctx is not None
    with ctx.store() as store:
        reports = source_reports(ctx.settings, store, datetime.now(UTC))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
        return
    for report in reports:
        click.echo(_health_line(report.name, report.health, report.enabled))
        for channel in report.channels:
            click.echo("  " + _health_line(channel.name, channel.health, channel.enabled))


def _health_line(name: str, health: ChannelHealth, enabled: bool) -> str:
    """``gov_cn  blocked  last success 2026-11-20 08:00  last new … errors http_403×2 — why``."""
    state = health.state if enabled else "disabled"
    parts = [
        f"{name:<12} {state:<17}",
        f"last success {_when(health.last_success_at)}",
        f"last new {_when(health.last_new_at)}",
    ]
    if health.error_counts:
        parts.append(
            "errors " + ", ".join(f"{k}×{n}" for k, n in sorted(health.error_counts.items()))
        )
    if health.retry_at:
        parts.append(f"next try after {_when(health.retry_at)}")
    line = "  ".join(parts)
    return f"{line}  — {health.reason}" if health.reason and enabled else line


def _when(value: datetime | None) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value else "never"


@sources_cmd.command("reset")
@click.argument("source")
@click.option("--channel", help="Only this channel.")
@pass_ctx
def sources_reset(ctx: Context, source: str, channel: str | None) -> None:
    """Forget a source's state (ends a blocked cool-down or Retry-After wait)."""
    if source not in ctx.settings.sources:
        raise click.ClickException(
            f"unknown source {source!r}; known: {sorted(ctx.settings.sources)}"
        )
    with ctx.store() as store:
        removed = store.reset_health(source, channel)
    click.echo(f"{source}: {removed} channel state(s) cleared; the next poll starts afresh")


@main.group()
def fixtures() -> None:
    """Saved pages for tests and offline runs."""


@fixtures.command("capture")
@click.argument("url")
@click.option("--source", "source_name", help="The source the page belongs to (default: by host).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("fixtures/snapshot"),
    show_default=True,
    help="Fixture tree to write into.",
)
@click.option("--note", default="", help="origin_detail for the sidecar (default: where from).")
@pass_ctx
def fixtures_capture(ctx: Context, url: str, source_name: str | None, out: Path, note: str) -> None:
    """Fetch URL live (same safety rules as a crawl) and save it as a real fixture."""
    from crawler.capture import CaptureError, capture

    try:
        path = capture(ctx.settings, url, out, source_name=source_name, note=note)
    except CaptureError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"saved {path} (origin: real)")


@main.command("run")
@click.option(
    "--replay",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Serve this saved-page tree on loopback and crawl it instead of the sites.",
)
@pass_ctx
def run_cmd(ctx: Context, replay: Path | None) -> None:
    """Run the main job once: crawl, then the later stages as they exist."""
    ctx.check_database()
    report = run_main_job(ctx.settings, replay=replay)
    for line in report.lines():
        click.echo(line)
    if report.troubled:
        click.echo(f"not read properly: {', '.join(report.troubled)} (see `regwatch sources`)")
        sys.exit(1)


@main.command("crawl")
@click.argument("sources", nargs=-1)
@click.option(
    "--replay",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Serve this saved-page tree on loopback and crawl it instead of the sites.",
)
@pass_ctx
def crawl_cmd(ctx: Context, sources: tuple[str, ...], replay: Path | None) -> None:
    """Crawl the given sources (default: all) once and print a summary per source."""
    from crawler.run import run_crawl

    logging.getLogger("regwatch.crawl").setLevel(logging.INFO)
    ctx.check_database()
    try:
        summaries = run_crawl(ctx.settings, sources, replay=replay)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for summary in summaries:
        click.echo(summary.line())
    if any(s.troubled for s in summaries):
        sys.exit(1)


def _embedder(ctx: Context) -> Any:
    """The configured embedder, or a clear error that ends the command."""
    from classifier.embedders import EmbedderUnavailable
    from classifier.service import open_embedder

    try:
        return open_embedder(ctx.settings)
    except EmbedderUnavailable as exc:
        raise click.ClickException(f"classifier unavailable: {exc}") from exc


def _tagger(ctx: Context, store: Store) -> Any:
    """The configured embedder and its model, or a clear error that ends the command."""
    from classifier.embedders import EmbedderUnavailable
    from classifier.model import ModelError
    from classifier.service import ModelUnavailable, open_tagger

    try:
        return open_tagger(store, ctx.settings)
    except (EmbedderUnavailable, ModelError, ModelUnavailable) as exc:
        raise click.ClickException(f"classifier unavailable: {exc}") from exc


@main.command("classify")
@click.option(
    "--stale",
    is_flag=True,
    help="Also tag again the documents an older model version tagged (after training).",
)
@pass_ctx
def classify_cmd(ctx: Context, stale: bool) -> None:
    """Tag every untagged document in the database with topics."""
    from classifier.service import classify_pending

    with ctx.store() as store:
        tagger = _tagger(ctx, store) if stale else None
        if tagger is not None:
            again = store.mark_stale_classifications(tagger.model.version)
            click.echo(f"{again} documents tagged by an older model are queued again", err=True)
        pending = store.count_pending_classification()
        if not pending:
            click.echo("nothing to classify: every document is tagged")
            return
        tagger = tagger or _tagger(ctx, store)
        with click.progressbar(length=pending, label="classifying", file=sys.stderr) as bar:
            report = classify_pending(
                store, tagger, batch_size=ctx.settings.classifier.batch_size, progress=bar.update
            )
    click.echo(report.line())


@main.command("tag")
@click.option(
    "--input",
    "source",
    type=click.File("r", encoding="utf-8"),
    default="-",
    show_default=True,
    help="JSON lines with title, optional summary and lang; - is standard input.",
)
@click.option(
    "--output",
    "out",
    type=click.File("w", encoding="utf-8"),
    default="-",
    show_default=True,
    help="Where the tagged lines go; - is standard output.",
)
@pass_ctx
def tag_cmd(ctx: Context, source: Any, out: Any) -> None:
    """Tag JSON lines of one's own: each line gains labels and per-topic scores.

    A bad line is reported on standard error with its number; the good lines are still
    written, and the exit status is 1.
    """
    from classifier.jsonl import tag_stream

    with ctx.store() as store:
        tagger = _tagger(ctx, store)
    written, errors = tag_stream(
        source,
        out,
        tagger.classify,
        tagger.model.topics,
        batch_size=ctx.settings.classifier.batch_size,
    )
    out.flush()
    for message in errors.messages:
        click.echo(message, err=True)
    click.echo(f"tagged {written} lines, {len(errors.messages)} bad", err=True)
    if errors.messages:
        sys.exit(1)


@main.group("classifier")
def classifier_group() -> None:
    """Train, evaluate and inspect the topic classifier."""


@classifier_group.command("train")
@click.option(
    "--cross-validate/--no-cross-validate",
    default=True,
    show_default=True,
    help="Measure the model by cross-validation first and store the numbers with it.",
)
@pass_ctx
def classifier_train(ctx: Context, cross_validate: bool) -> None:
    """Train a new model version on the bundled set plus editors' topic decisions."""
    from classifier.service import train_and_store

    with ctx.store() as store:
        embedder = _embedder(ctx)
        metrics = _cross_validation(ctx, store, embedder) if cross_validate else {}
        model = train_and_store(store, embedder, ctx.settings, metrics=metrics)
        info = store.models()[0]
    click.echo(
        f"model v{model.version} for {info.embedder}: {info.examples} examples "
        f"({info.editor_examples} from editors), topics {', '.join(info.topics)}"
    )
    if metrics:
        click.echo(", ".join(f"{k} {v:.3f}" for k, v in metrics.items()))


def _cross_validation(ctx: Context, store: Store, embedder: Any) -> dict[str, float]:
    from classifier.service import cross_validate_training_set

    reports = cross_validate_training_set(store, embedder, ctx.settings)
    return {
        f"cv_{slice_}_{avg}_f1": round(getattr(rep, avg).f1, 4)
        for slice_, rep in reports.items()
        for avg in ("micro", "macro")
    }


@classifier_group.command("eval")
@click.option(
    "--input",
    "source",
    type=click.File("r", encoding="utf-8"),
    help="Labelled JSON lines (as for `tag`, plus gold labels).",
)
@click.option(
    "--cross-validate",
    is_flag=True,
    help="Instead of --input: 5-fold cross-validation on the training set.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for machines.")
@pass_ctx
def classifier_eval(ctx: Context, source: Any, cross_validate: bool, as_json: bool) -> None:
    """Precision, recall and F1 per topic, micro and macro, overall and by language."""
    from classifier.evaluate import evaluate, format_reports
    from classifier.jsonl import LineErrors, read_lines
    from classifier.service import all_topics, cross_validate_training_set

    if bool(source) == cross_validate:
        raise click.UsageError("give either --input FILE or --cross-validate")
    errors = LineErrors()
    with ctx.store() as store:
        if cross_validate:
            topics = [t.key for t in all_topics(store)]
            reports = cross_validate_training_set(store, _embedder(ctx), ctx.settings)
        else:
            tagger = _tagger(ctx, store)
            topics = tagger.model.topics
            gold: list[set[str]] = []
            predicted: list[set[str]] = []
            langs: list[str] = []
            for batch in read_lines(source, errors, gold_topics=topics):
                for line, result in zip(
                    batch, tagger.classify([x.item for x in batch]), strict=True
                ):
                    gold.append(set(line.gold))
                    predicted.append(set(result.labels))
                    langs.append(result.lang)
            reports = evaluate(gold, predicted, langs, topics)
    for message in errors.messages:
        click.echo(message, err=True)
    if as_json:
        click.echo(json.dumps({k: r.as_dict() for k, r in reports.items()}, indent=2))
    else:
        click.echo(format_reports(reports, topics), nl=False)
    if errors.messages:
        sys.exit(1)


@classifier_group.command("models")
@pass_ctx
def classifier_models(ctx: Context) -> None:
    """The stored model versions, newest first."""
    with ctx.store() as store:
        found = store.models()
    for info in found:
        metrics = ", ".join(f"{k} {v:.3f}" for k, v in info.metrics.items())
        click.echo(
            f"v{info.version}  {_when(info.created_at)}  {info.embedder}  "
            f"{info.examples} examples ({info.editor_examples} from editors)"
            + (f"  {metrics}" if metrics else "")
        )
    if not found:
        click.echo("no model stored yet: `regwatch classifier train` makes one", err=True)


@main.group("topics", invoke_without_command=True)
@click.pass_context
def topics_group(click_ctx: click.Context) -> None:
    """The topics documents are tagged with (bundled, and added by editors)."""
    if click_ctx.invoked_subcommand is None:
        ctx = click_ctx.find_object(Context)
        from classifier.service import all_topics

        with ctx.store() as store:
            found = all_topics(store)
        for topic in found:
            who = f"  (added by {topic.added_by})" if topic.added_by else ""
            click.echo(f"{topic.key:<22} {topic.name_en} / {topic.name_zh}{who}")


@topics_group.command("add")
@click.argument("key")
@click.option("--name-en", required=True)
@click.option("--name-zh", required=True)
@click.option("--description-en", required=True)
@click.option("--description-zh", required=True)
@click.option("--keyword", "keywords", multiple=True, help="A title keyword that sets the topic.")
@click.option("--editor", required=True, help="Who adds the topic.")
@pass_ctx
def topics_add(
    ctx: Context,
    key: str,
    name_en: str,
    name_zh: str,
    description_en: str,
    description_zh: str,
    keywords: tuple[str, ...],
    editor: str,
) -> None:
    """Add a topic; `regwatch classifier train` then learns it from editors' decisions."""
    from classifier.text import detect_lang
    from model.topics import TaxonomyError, Topic

    topic = Topic(
        key=key,
        name_en=name_en,
        name_zh=name_zh,
        description_en=description_en,
        description_zh=description_zh,
        keywords_en=tuple(k for k in keywords if detect_lang(k) == "en"),
        keywords_zh=tuple(k for k in keywords if detect_lang(k) == "zh"),
        added_by=editor,
    )
    with ctx.store() as store, reported(TaxonomyError):
        store.add_topic(topic)
    click.echo(f"added topic {key}: retrain (`regwatch classifier train`) to tag with it")


@main.group("users", invoke_without_command=True)
@click.pass_context
def users_group(click_ctx: click.Context) -> None:
    """People of the review app: viewers, editors and admins."""
    if click_ctx.invoked_subcommand is None:
        ctx = click_ctx.find_object(Context)
        with ctx.store() as store:
            found = store.users()
        for user in found:
            state = "  (disabled)" if user.disabled else ""
            click.echo(f"{user.name:<20} {user.role:<7} {user.email}{state}")
        if not found:
            click.echo("no users yet: `regwatch users add NAME --email ADDR --role admin`")


def _read_password() -> str:
    """A new password: typed twice at a terminal, or one line of standard input."""
    from model.users import UserError, check_password

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with reported(UserError):
        return check_password(password)


@users_group.command("add")
@click.argument("name")
@click.option("--email", required=True, help="Where this user's alerts go.")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True)
@pass_ctx
def users_add(ctx: Context, name: str, email: str, role: str) -> None:
    """Add a user; the password is typed twice, or read from standard input."""
    from model.users import UserError
    from web.auth import hash_password

    password = _read_password()
    with ctx.store() as store, reported(UserError):
        user = store.add_user(name, email, role, hash_password(password))
    click.echo(f"added {user.role} {user.name} <{user.email}>")


@users_group.command("passwd")
@click.argument("name")
@pass_ctx
def users_passwd(ctx: Context, name: str) -> None:
    """Set a new password; the user's sessions end."""
    from model.users import UserError
    from web.auth import hash_password

    password = _read_password()
    with ctx.store() as store, reported(UserError):
        store.set_password(name, hash_password(password))
    click.echo(f"new password for {name}; their sessions have ended")


@users_group.command("disable")
@click.argument("name")
@pass_ctx
def users_disable(ctx: Context, name: str) -> None:
    """Disable a user: they cannot log in, and their sessions end now."""
    from model.users import UserError

    with ctx.store() as store, reported(UserError):
        store.set_user_disabled(name)
    click.echo(f"disabled {name}; their sessions have ended")


@main.group("digest")
def digest_group() -> None:
    """The monthly legal update: build it, list the months, approve one."""


def _month(value: str | None, store: Store) -> Any:
    from digest.service import latest_month
    from model.digest import DigestError, Month

    if value:
        with reported(DigestError):
            return Month.parse(value)
    month = latest_month(store)
    if month is None:
        raise click.ClickException("no documents stored yet: give --month YYYY-MM")
    return month


@digest_group.command("build")
@click.option("--month", help="YYYY-MM (Beijing time); default: the newest publication's month.")
@click.option("--format", "formats", default="html,text,md,docx", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Default: out/.")
@pass_ctx
def digest_build(ctx: Context, month: str | None, formats: str, out: Path | None) -> None:
    """Write a month's digest (draft or approved) in the given formats."""
    from digest.render import parse_formats, write_digest
    from digest.service import load
    from model.glossary import load_glossary

    with reported(ValueError):
        chosen = parse_formats(formats)
    glossary = load_glossary(ctx.settings.glossary.extra_path or None)
    with ctx.store() as store:
        draft = load(store, _month(month, store), ctx.settings, glossary)
    written = write_digest(draft.digest, chosen, out or Path(ctx.settings.digest.out_dir))
    d = draft.digest
    click.echo(f"{d.month}: {d.status}{' (demo)' if d.demo else ''}, {len(d.entries())} entries")
    for path in written:
        click.echo(f"wrote {path}")


@digest_group.command("list")
@pass_ctx
def digest_list(ctx: Context) -> None:
    """Every stored digest: month, status and who approved it."""
    with ctx.store() as store:
        records = store.digests()
    for r in records:
        by = f" by {r.approved_by} on {_when(r.approved_at)}" if r.approved_by else ""
        click.echo(f"{r.month}  {r.status}{' (demo)' if r.demo else ''}{by}")
    if not records:
        click.echo("no digest stored yet: `regwatch digest build` writes a draft")


@digest_group.command("approve")
@click.option("--month", required=True, help="YYYY-MM.")
@pass_ctx
def digest_approve(ctx: Context, month: str) -> None:
    """Approve a month's draft as it stands: its entries are frozen."""
    from digest.service import approve, load
    from model.digest import DigestError
    from model.glossary import load_glossary

    glossary = load_glossary(ctx.settings.glossary.extra_path or None)
    with ctx.store() as store, reported(DigestError):
        chosen = _month(month, store)
        revision = load(store, chosen, ctx.settings, glossary).revision
        done = approve(store, chosen, revision, _cli_user(), ctx.settings, glossary)
    click.echo(f"{done.month}: approved, {len(done.entries())} entries frozen")


@main.group("feeds")
def feeds_group() -> None:
    """RSS/Atom feeds, the OPML list and the comment-deadline calendars."""


@feeds_group.command("build")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@pass_ctx
def feeds_build(ctx: Context, directory: Path) -> None:
    """Write every feed and calendar into DIRECTORY (the web app serves them at /feeds/)."""
    from digest.feedset import write_feeds
    from model.glossary import load_glossary

    glossary = load_glossary(ctx.settings.glossary.extra_path or None)
    today = datetime.now(BEIJING).date()
    with ctx.store() as store:
        written = write_feeds(directory, store, ctx.settings, glossary, today)
    click.echo(f"wrote {len(written)} files to {directory}")


@main.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True)
@pass_ctx
def web_cmd(ctx: Context, host: str, port: int) -> None:
    """Serve the review app (put it behind https on a firm's network)."""
    import uvicorn

    from web.app import create_app

    ctx.check_database()
    uvicorn.run(create_app(ctx.settings), host=host, port=port, proxy_headers=True)


@main.command("schedule")
@pass_ctx
def schedule_cmd(ctx: Context) -> None:
    """Run the main job on a schedule (settings schedule.*) until interrupted."""
    import scheduler

    scheduler.run(ctx.settings)


if __name__ == "__main__":
    sys.exit(main())
