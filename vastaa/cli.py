"""The ``vastaa`` command. Each command builds what it needs from the settings at run time."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import uuid
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from vastaa import schema
from vastaa.accounts import service as accounts
from vastaa.accounts.models import ROLES
from vastaa.clock import utcnow
from vastaa.config import LOCALES, Settings
from vastaa.db import make_engine, make_sessionmaker, transaction
from vastaa.errors import PermanentError
from vastaa.pipeline.events import json_schema
from vastaa.pipeline.files import FileReport, ingest_stream


def _settings() -> Settings:
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def _ready_engine(settings: Settings) -> Any:
    """The configured database, brought up to the newest schema."""
    engine = make_engine(settings.resolved_database_url())
    schema.upgrade(engine)
    return engine


@click.group()
@click.version_option(package_name="vastaa")
def main() -> None:
    """Vastaa, the self-hosted social media customer-care desk."""


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    settings = _settings()
    _ready_engine(settings).dispose()
    click.echo(f"Database is up to date: {_safe_url(settings.resolved_database_url())}")


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app (the database is migrated first)."""
    settings = _settings()
    _run_server(settings, _ready_engine(settings), host=host, port=port)


def _run_server(settings: Settings, engine: Any, *, host: str, port: int) -> None:
    """Serve the app, with the analysis worker for new messages running beside it."""
    import uvicorn

    from vastaa.analysis.analyzer import FullAnalyzer, analyzer_for
    from vastaa.analytics.tasks import Rollups, RollupThread
    from vastaa.app import create_app, settle_memory
    from vastaa.evidence.tasks import Retention
    from vastaa.incidents.detection import Detector, Thresholds
    from vastaa.worker import Worker

    full = analyzer_for("full") if settings.full_analysis else None
    app = create_app(settings, engine=engine)
    detector = Detector(
        Thresholds.of(settings),
        embed=full.encoder.embed if isinstance(full, FullAnalyzer) else None,
    )
    worker = Worker(
        make_sessionmaker(engine),
        analyzer_for("fast"),
        full,
        clock=utcnow,
        weights=settings.priority_weights,
        webhook_url=settings.alert_webhook_url,
        counts=app.state.context.counts,
        connectors=app.state.context.connectors,
        retention=Retention(settings.evidence_retention_days),
        detector=detector,
    )
    rollups = RollupThread(make_sessionmaker(engine), Rollups(settings.timezone), clock=utcnow)
    settle_memory()
    worker.start()
    rollups.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        worker.stop()
        rollups.stop()


@main.command()
@click.argument("file", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def ingest(file: IO[bytes], as_json: bool) -> None:
    """Ingest canonical events from a JSON-lines FILE ('-' reads standard input).

    Bad lines are reported on stderr with their line number and reason; good lines are kept.
    The exit status is 1 when any line was rejected.
    """
    settings = _settings()
    engine = _ready_engine(settings)
    report = _ingest_with_progress(file, settings, engine)
    engine.dispose()
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(report.counts.items()))
        click.echo(
            f"{report.accepted} events stored ({counts or 'none'}); "
            f"{len(report.rejected)} lines rejected"
        )
    if report.rejected:
        sys.exit(1)


def _ingest_with_progress(file: IO[bytes], settings: Settings, engine: Any) -> FileReport:
    def on_error(line: int, reason: str) -> None:
        click.echo(f"\nline {line}: {reason}", err=True)

    size = _size_of(file)
    with click.progressbar(length=size or 1, label="Ingesting", file=sys.stderr) as bar:

        def lines() -> Iterator[bytes]:
            for line in file:
                bar.update(len(line))
                yield line

        return ingest_stream(
            lines(),
            make_sessionmaker(engine),
            clock=utcnow,
            batch_size=settings.ingest_batch_size,
            on_error=on_error,
        )


def _size_of(file: IO[bytes]) -> int:
    try:
        return Path(file.name).stat().st_size
    except (OSError, AttributeError, TypeError):
        return 0


@main.group()
def user() -> None:
    """Manage the people who use the desk."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--name", "display_name", default="", help="Display name (default: username).")
@click.option("--locale", type=click.Choice(LOCALES), default="en", show_default=True)
@click.password_option(
    "--password", envvar="VASTAA_NEW_PASSWORD", help="Prompted for when not given."
)
def user_add(username: str, role: str, display_name: str, locale: str, password: str) -> None:
    """Add a user who can log in to the web app."""
    settings = _settings()
    engine = _ready_engine(settings)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            accounts.add_user(
                session,
                username=username,
                password=password,
                role=role,
                now=utcnow(),
                display_name=display_name,
                locale=locale,
            )
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added {role} {username!r}.")


@main.group()
def team() -> None:
    """Teams: who takes escalations, and (routing) who takes which work."""


@team.command("add")
@click.argument("name")
@click.option("--escalation", is_flag=True, help="Escalations may be sent to this team.")
@click.option("--member", "members", multiple=True, help="Username of a member (repeatable).")
def team_add(name: str, escalation: bool, members: tuple[str, ...]) -> None:
    """Add a team."""
    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            accounts.add_team(
                session, name=name, now=utcnow(), escalation=escalation, members=members
            )
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added team {name!r} with {len(members)} member(s).")


@main.group()
def route() -> None:
    """Routing rules: which team or agent gets new conversations (docs/triage.md)."""


@route.command("add")
@click.argument("name")
@click.option("--lang", "langs", multiple=True, help="Language code (repeatable: any matches).")
@click.option("--channel", "channels", multiple=True, help="Channel id (repeatable).")
@click.option("--intent", "intents", multiple=True, help="complaint, question, praise, …")
@click.option("--area", "areas", multiple=True, help="product, delivery, billing, …")
@click.option("--keyword", "keywords", multiple=True, help="A word or phrase in the message.")
@click.option("--tag", "tags", multiple=True, help="A customer tag.")
@click.option("--team", help="Team name to route to.")
@click.option("--user", help="Username to route to.")
@click.option(
    "--strategy",
    type=click.Choice(("least_loaded", "round_robin", "none")),
    default="least_loaded",
    show_default=True,
    help="How an agent of the team is chosen (none: the team only).",
)
@click.option("--position", type=int, default=100, show_default=True, help="Lower runs first.")
def route_add(
    name: str,
    langs: tuple[str, ...],
    channels: tuple[str, ...],
    intents: tuple[str, ...],
    areas: tuple[str, ...],
    keywords: tuple[str, ...],
    tags: tuple[str, ...],
    team: str | None,
    user: str | None,
    strategy: str,
    position: int,
) -> None:
    """Add a routing rule; every condition given must hold."""
    from vastaa.routing.service import add_rule

    conditions = {
        "langs": langs,
        "channels": channels,
        "intents": intents,
        "areas": areas,
        "keywords": keywords,
        "tags": tags,
    }
    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            add_rule(
                session,
                name=name,
                conditions=conditions,
                now=utcnow(),
                team=team,
                user=user,
                strategy=strategy,
                position=position,
            )
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added routing rule {name!r}.")


@main.group()
def sla() -> None:
    """SLA policies: how fast conversations must be answered (docs/triage.md)."""


@sla.command("add")
@click.argument("name")
@click.option("--first", "first_minutes", type=int, default=60, show_default=True)
@click.option("--next", "next_minutes", type=int, default=60, show_default=True)
@click.option("--channel", type=click.UUID, help="Only this channel's conversations.")
@click.option("--min-priority", type=int, default=0, show_default=True)
@click.option("--timezone", default="Europe/Helsinki", show_default=True)
@click.option(
    "--hours",
    help='Opening hours as JSON, weekday 0 = Monday: \'{"0": [["08:00", "16:00"]]}\' '
    "(default: round the clock).",
)
@click.option("--holiday", "holidays", multiple=True, help="A closed date, YYYY-MM-DD.")
@click.option(
    "--position", type=int, default=100, show_default=True, help="Lower is checked first."
)
def sla_add(
    name: str,
    first_minutes: int,
    next_minutes: int,
    channel: uuid.UUID | None,
    min_priority: int,
    timezone: str,
    hours: str | None,
    holidays: tuple[str, ...],
    position: int,
) -> None:
    """Add an SLA policy."""
    from vastaa.sla.service import add_policy

    try:
        opening = json.loads(hours) if hours else None
    except json.JSONDecodeError as error:
        raise click.ClickException(f"--hours is not JSON: {error}") from None
    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            add_policy(
                session,
                name=name,
                now=utcnow(),
                first_minutes=first_minutes,
                next_minutes=next_minutes,
                channel_id=channel,
                min_priority=min_priority,
                timezone=timezone,
                hours=opening,
                holidays=list(holidays),
                position=position,
            )
    except PermanentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added SLA policy {name!r}.")


@main.group()
def kb() -> None:
    """Saved replies and knowledge articles (docs/replies.md)."""


@kb.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def kb_import(file: Path) -> None:
    """Add or update saved replies and articles from a JSON file."""
    from vastaa.replies.knowledge import import_file

    engine = _ready_engine(_settings())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            snippets, articles = import_file(session, file, now=utcnow())
    except (PermanentError, KeyError) as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(f"Imported {snippets} saved replies and {articles} articles.")


@main.group()
def token() -> None:
    """API tokens for POST /api/v1/events and other API calls."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
def token_create(username: str, name: str) -> None:
    """Create an API token for USERNAME and print it (it is shown only once)."""
    from sqlalchemy import select

    from vastaa.accounts.models import User

    settings = _settings()
    engine = _ready_engine(settings)
    with transaction(make_sessionmaker(engine)) as session:
        found = session.scalar(select(User).where(User.username == username))
        if found is None:
            raise click.ClickException(f"no user named {username!r}")
        click.echo(accounts.create_api_token(session, user=found, name=name, now=utcnow()))


@main.command()
@click.option("--tier", type=click.Choice(["fast", "full"]), default="full", show_default=True)
def analyze(tier: str) -> None:
    """Analyse messages: JSON lines {"text": ..., "lang": ...} on stdin, one JSON line out each.

    Output keys: lang, lang_confidence, sentiment {label, score}, abuse {toxic, scores},
    intents, problem_area, specific, pii [{type, start, end}], vague_rude, tier. A line that is
    not valid input gets {"error": ...} in its place; the exit status is then 1.
    """
    from vastaa.analysis.analyzer import analyzer_for
    from vastaa.analysis.stream import analyze_lines, available_lines

    analyzer = analyzer_for(tier)
    refused = 0
    for lines in available_lines(sys.stdin.buffer):
        out, bad = analyze_lines(analyzer, lines)
        refused += bad
        if out:
            sys.stdout.write("\n".join(out) + "\n")
            sys.stdout.flush()
    if refused:
        sys.exit(1)


@main.command("coach")
@click.option("--lang", type=click.Choice(("fi", "tr", "en")), default="en", show_default=True)
@click.option("--public", is_flag=True, help="The reply will be public (personal data blocks).")
@click.option("--complaint", is_flag=True, help="It answers a complaint (thanks and apology).")
@click.option("--name", default="", help="The customer's first name.")
@click.option("--signature", default="", help="The signature the team's replies must end with.")
def coach_command(lang: str, public: bool, complaint: bool, name: str, signature: str) -> None:
    """Check a reply draft (stdin) against the care rules; print the findings as JSON."""
    from vastaa.replies.coach import Draft, coach

    draft = Draft(
        sys.stdin.read(),
        lang=lang,
        public=public,
        complaint=complaint,
        customer_name=name,
        signature=signature,
    )
    findings = [finding.as_json() for finding in coach(draft)]
    click.echo(json.dumps(findings, ensure_ascii=False))


@main.group()
def model() -> None:
    """Train and evaluate the analysis models from the public datasets (shared/data)."""


@model.command("train")
@click.option("--task", "tasks", multiple=True, help="Only these tasks (default: all).")
@click.option("--data", type=click.Path(path_type=Path), help="Datasets folder.")
@click.option("--fast-only", is_flag=True, help="Skip the full tier (its embeddings are slow).")
def model_train(tasks: tuple[str, ...], data: Path | None, fast_only: bool) -> None:
    """Train the classifiers of both tiers into vastaa/analysis/trained/ (never on test splits).

    The full tier embeds a sample of each training set with the multilingual encoder (about
    20 texts a second a core; cached in VASTAA_CACHE_DIR, so only the first run is slow)."""
    from vastaa.analysis.datasets import data_dir
    from vastaa.analysis.training import TASKS, train_all

    unknown = [task for task in tasks if task not in TASKS]
    if unknown:
        raise click.ClickException(f"unknown task(s) {unknown}; known: {sorted(TASKS)}")
    for path in train_all(data or data_dir(), list(tasks) or None, full=not fast_only):
        click.echo(f"wrote {path}")


@model.command("eval")
@click.option("--data", type=click.Path(path_type=Path), help="Datasets folder.")
@click.option("--write", is_flag=True, help="Also write the table to BENCHMARKS.md.")
def model_eval(data: Path | None, write: bool) -> None:
    """Score every classifier on the official test splits, next to the published best."""
    from vastaa.analysis.datasets import data_dir
    from vastaa.analysis.evaluation import evaluate_all, render, write_benchmarks

    table = render(evaluate_all(data or data_dir()))
    click.echo(table)
    if write:
        write_benchmarks(table)


@main.command("schema")
def print_schema() -> None:
    """Print the JSON Schema of the canonical event (docs/event.schema.json)."""
    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@main.command()
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-browser", is_flag=True, help="Do not open a browser window.")
def demo(port: int, no_browser: bool) -> None:
    """Start a demo: a fresh database with a week of Kide's social media, served locally."""
    from vastaa.demo.scenario import load
    from vastaa.replies.knowledge import import_file

    settings = _settings()
    folder = settings.data_dir / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    settings = settings.model_copy(update={"database_url": f"sqlite:///{folder / 'demo.db'}"})
    engine = _ready_engine(settings)
    with transaction(make_sessionmaker(engine)) as session:
        loaded = load(session, now=utcnow())
        import_file(session, Path(__file__).parent / "demo" / "knowledge.json", now=utcnow())
    from vastaa.analysis.analyzer import analyzer_for
    from vastaa.analysis.tasks import analyze_pending
    from vastaa.triage.tasks import triage_pending

    analyzed = analyze_pending(make_sessionmaker(engine), analyzer_for("fast"), clock=utcnow)
    with transaction(make_sessionmaker(engine)) as session:
        while triage_pending(session, now=utcnow(), weights=settings.priority_weights):
            pass
    click.echo(f"Analysed {analyzed} messages (the full tier refines them while the demo runs).")
    url = f"http://127.0.0.1:{port}/"
    click.echo(f"Demo database: {folder / 'demo.db'} ({loaded.messages} messages)")
    click.echo(f"Open {url} and log in as:")
    for login in loaded.logins:
        click.echo(f"  {login.username:<8} {login.password:<14} ({login.role})")
    if not no_browser:
        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    _run_server(settings, engine, host="127.0.0.1", port=port)


def _register_domain_commands() -> None:
    from vastaa.analytics.cli import analytics, report
    from vastaa.channels.cli import brand, channel
    from vastaa.evidence.cli import evidence
    from vastaa.incidents.cli import incidents
    from vastaa.listening.cli import coverage, listen
    from vastaa.moderation.cli import rule

    main.add_command(analytics)
    main.add_command(brand)
    main.add_command(channel)
    main.add_command(coverage)
    main.add_command(evidence)
    main.add_command(incidents)
    main.add_command(listen)
    main.add_command(report)
    main.add_command(rule)


_register_domain_commands()

if __name__ == "__main__":
    main()
