"""`kb portal`, `kb agents`, `kb cases`, `kb db`, `kb review`, `kb report`, `kb mail` (and `kb clients`,
clients/cli.py): the case portal from the terminal. generator/cli/__init__.py names them.

The heavy imports (Flask, SQLAlchemy) happen inside the commands, so `kb build` does not pay for them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import KbError


def database_option(command):
    return click.option(
        "--database-url",
        envvar="KB_DATABASE_URL",
        default=None,
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB (env KB_DATABASE_URL). "
        "[default: sqlite in instance/portal.sqlite3]",
    )(command)


def _config(ctx: click.Context, database_url: str | None, **overrides):
    from ..cli import project_root
    from .config import load_portal_config

    return load_portal_config(project_root(ctx), database_url, **overrides)


def _desk(ctx: click.Context, database_url: str | None):
    from .db import connect
    from .desk import Desk
    from .migrate import require_current

    config = _config(ctx, database_url)
    engine = connect(config.database_url)
    require_current(engine)
    return Desk(engine, config)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@database_option
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The built help centre to serve at / (its search index is beside it). [default: build/site]",
)
@click.option(
    "--internal-site",
    "internal_site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The internal build (kb build --target internal) to serve to signed-in agents at /internal/; the "
    "console's article search reads its index. [default: portal.yml's internal_site, else none]",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes. One process uses about one CPU core; give more to serve more at once.",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 256),
    # Few: a thread only holds a request being answered (idle keep-alive connections wait in the poller),
    # and more threads in one process mostly contend for Python's one running thread.
    help="Threads per process: requests each process answers at once.",
)
@click.option(
    "--graceful-timeout",
    default=10,
    show_default=True,
    type=click.IntRange(1, 3600),
    help="Seconds Ctrl+C or SIGTERM lets requests being answered finish before their worker is stopped.",
)
@click.pass_context
def portal(
    ctx: click.Context,
    host: str,
    port: int,
    database_url: str | None,
    site_dir: Path | None,
    internal_site_dir: Path | None,
    workers: int,
    threads: int,
    graceful_timeout: int,
) -> None:
    """Serve the help centre and the case portal together: the case form, customers' case pages, the agent
    console (/agent/), search (/search, /api/search), and with --internal-site the internal build at /internal/
    for signed-in agents only (the internal build is refused as --site).

    Brings the database schema up to date first (creating it on first use), then serves with gunicorn,
    fit for production as it is: --workers one per CPU core for the most throughput, a proxy that ends
    HTTPS in front. Or run `generator.portal.app:create_app` under any WSGI server, after `kb db upgrade`."""
    from ..build import index_beside
    from ..ports import check_free
    from .db import connect
    from .migrate import upgrade
    from .server import PortalServer

    root = ctx.obj["root"]
    site_dir = (site_dir or root / "build" / "site").resolve()
    if not (site_dir / "index.html").is_file():
        raise KbError(f"{site_dir}: no built help centre here; run `kb build` first (or pass --site)")
    internal = {}
    if internal_site_dir is not None:
        internal_site_dir = internal_site_dir.resolve()
        internal = {"internal_site_dir": internal_site_dir, "internal_index_dir": index_beside(internal_site_dir)}
    config = _config(
        ctx,
        database_url,
        site_dir=site_dir,
        index_dir=index_beside(site_dir),
        mail_in_background=True,
        **internal,
    )
    from .internal_site import check_sites

    check_sites(config)  # before anything starts: never the internal build as the public help centre
    if not config.public_url:  # links in mail go where this serves, unless portal.yml says where customers are
        config = config.with_(base_url=f"http://{host}:{port}")
    if workers > 1 and config.rate_limit_storage.startswith("memory://"):
        click.echo(
            f"Warning: rate limits are counted in each of the {workers} processes (rate_limit_storage is "
            f"memory://), so a client gets up to {workers} times each rate; set rate_limit_storage: "
            "redis://HOST:PORT/DB in portal.yml to count them once.",
            err=True,
        )
    check_free(host, port)
    engine = connect(config.database_url)
    upgrade(engine)
    # Closed before gunicorn forks its workers: an SQLite connection inherited across fork() breaks
    # SQLite's locking (writes were lost when another process wrote too); each worker opens its own.
    engine.dispose()
    processes = f"{workers} processes" if workers > 1 else "1 process"
    click.echo(
        f"Help centre and case portal on http://{host}:{port}/ (agents: /agent/), {processes} of {threads} "
        "threads; Ctrl+C stops.",
        err=True,
    )
    PortalServer(
        config, host=host, port=port, workers=workers, threads=threads, graceful_timeout=graceful_timeout
    ).run()


@click.group()
def db() -> None:
    """The case database's schema (Alembic migrations; an upgrade keeps every case)."""


@db.command("upgrade")
@database_option
@click.pass_context
def db_upgrade(ctx: click.Context, database_url: str | None) -> None:
    """Create the schema, or bring it to this version's."""
    from .db import connect
    from .migrate import current, upgrade

    engine = connect(_config(ctx, database_url).database_url)
    before = current(engine)
    upgrade(engine)
    after = current(engine)
    click.echo(f"Schema {after}" + (f" (was {before or 'empty'})" if before != after else " (up to date)"))


@click.group()
def agents() -> None:
    """Support agents who sign in to the console."""


@agents.command("add")
@click.argument("name")
@click.option("--level", required=True, type=click.IntRange(1, 3), help="1, 2 or 3: which cases they work.")
@click.option("--admin", is_flag=True, help="May work every case regardless of level.")
@click.option("--display-name", default="", help="Shown to colleagues. [default: NAME]")
@click.option("--email", default=None, help="Where assignments and Level 3 alerts go.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="KB_AGENT_PASSWORD",
    help="Prompted for when not given (or set KB_AGENT_PASSWORD).",
)
@click.option("--if-missing", is_flag=True, help="Do nothing when the agent exists already.")
@database_option
@click.pass_context
def agents_add(
    ctx: click.Context,
    name: str,
    level: int,
    admin: bool,
    display_name: str,
    email: str | None,
    password: str,
    if_missing: bool,
    database_url: str | None,
) -> None:
    """Create an agent who can sign in at /agent/."""
    from .accounts import add_agent
    from .db import connect
    from .migrate import upgrade

    engine = connect(_config(ctx, database_url).database_url)
    upgrade(engine)
    try:
        add_agent(engine, name, display_name or name, email, level, admin, password)
    except KbError as exc:
        if if_missing and "exists already" in exc.message:
            return
        raise
    click.echo(f"Agent {name} added at Level {level}{' (admin)' if admin else ''}.")


@agents.command("list")
@database_option
@click.pass_context
def agents_list(ctx: click.Context, database_url: str | None) -> None:
    """Every agent, by level."""
    from .accounts import all_agents

    for agent in all_agents(_desk(ctx, database_url).engine):
        flags = ", ".join(f for f, on in (("admin", agent.is_admin), ("inactive", not agent.active)) if on)
        click.echo(f"L{agent.level}  {agent.username:<20} {agent.display_name}{f'  ({flags})' if flags else ''}")


@click.group()
def cases() -> None:
    """Cases at the terminal: list, show, and the escalation sweep for cron."""


@cases.command("list")
@click.option("--all", "show_all", is_flag=True, help="Resolved cases too.")
@database_option
@click.pass_context
def cases_list(ctx: click.Context, show_all: bool, database_url: str | None) -> None:
    """The queue, what is due first at the top."""
    from .desk import due

    desk = _desk(ctx, database_url)
    everyone = _Everyone()
    rows = desk.queue(everyone, include_resolved=show_all)
    if not rows:
        click.echo("No cases.")
    for row in rows:
        when = due(row)
        click.echo(
            f"{row.number}  L{row.level}  {row.status:<8} {row.severity:<12} "
            f"due {_when(when) if when else '-':<17} {row.subject[:60]}"
        )


@cases.command("show")
@click.argument("number")
@database_option
@click.pass_context
def cases_show(ctx: click.Context, number: str, database_url: str | None) -> None:
    """One case and its whole history, internal notes included."""
    from .desk import LEVELS, STATUSES, CaseNotFound

    desk = _desk(ctx, database_url)
    try:
        row = desk.case_for_agent(_Everyone(), number.strip().upper())
    except CaseNotFound:
        raise KbError(f"{number}: no such case; expected a number like CASE-000123 (see `kb cases list`)") from None
    click.echo(f"{row.number}: {row.subject}")
    click.echo(f"  {STATUSES[row.status]}, {LEVELS[row.level]}, severity {row.severity}")
    click.echo(f"  {row.customer_name} <{row.customer_email}>{', ' + row.company if row.company else ''}")
    click.echo(f"  from page {row.page_id or '-'}, screen {row.context_id or '-'}")
    for event in desk.history(row):
        tag = "" if event.visibility == "customer" else " [internal]"
        click.echo(f"\n{_when(event.at)}  {event.kind} by {event.actor} ({event.channel}){tag}")
        if event.body:
            click.echo("  " + event.body.replace("\n", "\n  "))


@cases.command("sweep")
@database_option
@click.pass_context
def cases_sweep(ctx: click.Context, database_url: str | None) -> None:
    """Run the timed rules once: escalate Level 1 cases past 24 hours, send due status updates, retry mail.

    Safe to run from cron while the portal runs: nothing happens twice."""
    report = _desk(ctx, database_url).sweep()
    click.echo(
        f"Escalated {len(report.escalated)} ({', '.join(report.escalated) or 'none'}); "
        f"status updates {len(report.updated)}; mail sent {report.mailed}."
    )


@cases.command("pull-drafts")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Only drafts saved since.")
@database_option
@click.pass_context
def cases_pull_drafts(ctx: click.Context, since: dt.datetime | None, database_url: str | None) -> None:
    """Write the portal's article drafts into kb/<module>/ (not validated) and its flags into review/flags.yml.

    Review them in git like any change (`kb review`); pulling twice writes nothing twice."""
    from .clock import utcnow
    from .pull import pull_drafts

    desk = _desk(ctx, database_url)
    pulled = pull_drafts(desk.engine, ctx.obj["root"], since.replace(tzinfo=dt.UTC) if since else None, utcnow())
    for number, article, path in pulled.drafts:
        click.echo(f"{path}: {article} from {number}")
    click.echo(f"{len(pulled.drafts)} draft(s) written, {pulled.flags} flag(s) added to review/flags.yml.")


@click.group(invoke_without_command=True)
@click.pass_context
def review(ctx: click.Context) -> None:
    """Drafts from cases and flagged articles, oldest first: what the writers review next."""
    if ctx.invoked_subcommand:
        return
    from ..cli import project_root
    from ..review import review_items

    items = review_items(load_catalog_checked(project_root(ctx)))
    if not items:
        click.echo("Nothing to review.")
    for item in items:
        click.echo(f"{item.since}  {item.article:<8} {item.what}\n{'':12}{item.path}")


@review.command("validate")
@click.argument("article")
@click.pass_context
def review_validate(ctx: click.Context, article: str) -> None:
    """Mark a reviewed draft validated (its confidence line) and close its flags; the next build publishes it."""
    from ..cli import project_root
    from ..review import validate_article

    path = validate_article(project_root(ctx), article.strip().upper(), dt.date.today())
    click.echo(f"{path.relative_to(ctx.obj['root'])}: validated; `kb build` publishes it.")


def load_catalog_checked(root: Path):
    from ..catalog import load_catalog
    from ..errors import SourceError

    catalog = load_catalog(root)
    errors = [p for p in catalog.problems if p.is_error]
    if errors:
        raise SourceError(errors)
    return catalog


@click.command()
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Only cases since this day.")
@click.option("--client", default=None, metavar="SLUG", help="Only this client's cases (clients/<slug>.yml).")
@click.option("--csv", "as_csv", is_flag=True, help="Every figure as CSV on standard output.")
@database_option
@click.pass_context
def report(
    ctx: click.Context, since: dt.datetime | None, client: str | None, as_csv: bool, database_url: str | None
) -> None:
    """The knowledge loop's figures: link rate, reuse, new versus known issues, searches that found nothing
    and searches followed by a case, cases per screen and module, articles never reused, "was this
    helpful?", and the service levels (first responses and updates on time, escalations by level)."""
    from ..cli import project_root
    from .report import build_report, report_csv, report_lines

    catalog = load_catalog_checked(project_root(ctx))
    if client is not None and client not in catalog.clients:
        raise KbError(f"--client {client!r}: no such client; expected one of {', '.join(sorted(catalog.clients))}")
    articles = [page.id for page in catalog.pages if page.is_article]
    figures = build_report(
        _desk(ctx, database_url).engine, articles, since.replace(tzinfo=dt.UTC) if since else None, client
    )
    click.echo(report_csv(figures) if as_csv else "\n".join(report_lines(figures)), nl=not as_csv)


class _Everyone:
    """The terminal's view: an operator with the database in hand sees every level."""

    level = 3
    is_admin = True


@click.group()
def mail() -> None:
    """Mail in: poll the support mailbox (IMAP), or receive mail from an MTA (LMTP)."""


@mail.command("fetch")
@database_option
@click.pass_context
def mail_fetch(ctx: click.Context, database_url: str | None) -> None:
    """Poll the mailbox of portal.yml's mail: imap: once (for cron; `kb portal` polls by itself).

    Each message becomes a case or joins one, then moves to the done folder; safe to run beside the portal."""
    from .inbound.imap import fetch_mail

    report = fetch_mail(_desk(ctx, database_url))
    click.echo(
        f"Handled {report.handled}, rejected {report.refused}, left for later {report.failed}, "
        f"waiting for the next poll {report.waiting}."
    )


@mail.command("receive")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, show_default=True, type=click.IntRange(1, 65535))
@database_option
@click.pass_context
def mail_receive(ctx: click.Context, host: str, port: int, database_url: str | None) -> None:
    """Receive mail over LMTP from an MTA (Postfix: lmtp:inet:HOST:PORT) until Ctrl+C.

    A message is answered 250 only once its case event is stored; 451 (try later) when the database is busy."""
    import signal
    import threading

    from ..ports import check_free
    from .inbound.lmtp import start_lmtp

    desk = _desk(ctx, database_url)
    check_free(host, port)
    server = start_lmtp(desk, host, port)
    click.echo(f"Receiving mail over LMTP on {host}:{port}; Ctrl+C stops.", err=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
