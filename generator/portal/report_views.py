"""The report's trends for the console: the period and client a request asks for, and the CSV download of
the weekly figures (/agent/report/trends.csv) that the report page charts."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from .app import current_portal
from .console import agent_required
from .forms import int_arg
from .trends import Trends, build_trends, trends_csv

blueprint = Blueprint("report", __name__)
MAX_REPORT_DAYS = 36500  # a century: "all time" is days=0


def report_scope() -> tuple[int, str | None]:
    """(days, client) from the request's query: days 0 is all time; an unknown client is a 404."""
    days = int_arg("days", 0, 0, MAX_REPORT_DAYS)
    client = request.args.get("client") or None
    if client not in (None, *current_portal().config.clients):
        abort(404)
    return days, client


def trends_for_request() -> Trends:
    desk = current_portal().desk
    days, client = report_scope()
    return build_trends(desk.engine, desk.now(), days, client)


@blueprint.route("/agent/report/trends.csv")
@agent_required
def trends_download():
    trends = trends_for_request()
    name = f"trends-{trends.start:%Y-%m-%d}-to-{trends.end:%Y-%m-%d}{'-' + trends.client if trends.client else ''}.csv"
    return Response(
        trends_csv(trends),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
