"""`kb clients list` and `kb clients show SLUG`: each client's contract (in force or ended), its people
(domains, admins), its open cases and the service levels on its cases."""

from __future__ import annotations

import click

from ...errors import KbError
from ..cli import _desk, _when, database_option


@click.group()
def clients() -> None:
    """Client organisations (clients/<slug>.yml): contracts, people, open cases, SLA figures."""


@clients.command("list")
@database_option
@click.pass_context
def clients_list(ctx: click.Context, database_url: str | None) -> None:
    """Every client: contract, people, open cases, first responses and updates on time."""
    from .figures import contract_line, share

    desk = _desk(ctx, database_url)
    profiles = desk.config.client_profiles
    if not profiles:
        click.echo("No clients (clients/<slug>.yml).")
    for figures in _figures(desk, profiles.values()):
        profile, report = figures.profile, figures.report
        click.echo(f"{profile.slug}  {profile.name}")
        click.echo(f"  contract: {contract_line(figures)}")
        click.echo(f"  people: {_people(profile)}")
        click.echo(
            f"  open cases: {len(figures.open_cases)} · first responses on time "
            f"{share(report.first_response_on_time, report.first_responses)} · updates on time "
            f"{share(report.updates_on_time, report.updates)} · outside the contract {report.outside_contract}"
        )


@clients.command("show")
@click.argument("slug")
@database_option
@click.pass_context
def clients_show(ctx: click.Context, slug: str, database_url: str | None) -> None:
    """One client: contract and its hours, people, SLA figures, and every open case."""
    from .figures import contract_line, share

    desk = _desk(ctx, database_url)
    profiles = desk.config.client_profiles
    if slug not in profiles:
        known = ", ".join(sorted(profiles)) or "none (clients/<slug>.yml)"
        raise KbError(f"{slug!r}: no such client; expected one of {known}")
    [figures] = _figures(desk, [profiles[slug]])
    profile, report = figures.profile, figures.report
    click.echo(f"{profile.name} ({profile.slug})")
    click.echo(f"  contract: {contract_line(figures)}")
    if profile.support is not None:
        hours = profile.support.hours
        config = desk.config
        click.echo(
            "  clocks: first response "
            + (f"within {hours.first_response} hours" if hours.first_response else "by the end of the working day")
            + f", updates every {hours.updates or config.update_every_hours} hours, Level 1 resolution within "
            f"{hours.resolution or config.level1_hours} hours"
        )
    click.echo(f"  domains: {', '.join(profile.domains) or '-'}")
    click.echo(f"  admins: {', '.join(profile.admins) or '-'}")
    click.echo(f"  modules: {', '.join(profile.modules)}")
    click.echo(
        f"  first responses on time: {share(report.first_response_on_time, report.first_responses)}; "
        f"updates on time: {share(report.updates_on_time, report.updates)}; escalations: "
        + (", ".join(f"Level {level}: {n}" for level, n in report.escalations.items()) or "none")
        + f"; cases outside the contract: {report.outside_contract}"
    )
    click.echo(f"Open cases: {len(figures.open_cases)}")
    for row in figures.open_cases:
        flag = "  [outside contract]" if row.contract_ended else ""
        click.echo(
            f"  {row.number}  L{row.level}  {row.status:<8} {row.severity:<12} {_when(row.created_at)}  "
            f"{row.subject[:60]}{flag}"
        )


def _figures(desk, profiles):
    from .figures import client_figures
    from .people import local_day

    today = local_day(desk.config, desk.now())
    return [client_figures(desk.engine, profile, today) for profile in profiles]


def _people(profile) -> str:
    domains = ", ".join(f"@{d}" for d in profile.domains) or "no domains"
    admins = ", ".join(profile.admins) or "no admins"
    return f"{domains}; admins {admins}"
