"""The support policy's clocks: when a first response, a customer update and a Level 1 resolution are due.

First response: "the same working day" -- by the end of the working day the case arrived in (before opening
time counts as that day), or, when it arrived after closing time or on a day off, by the end of the next
working day. Updates and resolution run on calendar
hours (24 hours means 24 hours). Working hours, time zone and holidays come from the portal's settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model import SupportHours
from .config import WEEKDAYS, PortalConfig


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Clocks:
    first_response_due: dt.datetime
    next_update_due: dt.datetime
    resolution_due: dt.datetime


def is_working_day(day: dt.date, config: PortalConfig) -> bool:
    return WEEKDAYS[day.weekday()] in config.working_hours.days and day not in config.holidays


def first_response_due(received: dt.datetime, config: PortalConfig) -> dt.datetime:
    """The end of the working day `received` falls in; outside working hours, the end of the next one."""
    zone, hours = config.zone, config.working_hours
    local = received.astimezone(zone)
    day = local.date()
    if not (is_working_day(day, config) and local.time() < hours.end):
        day += dt.timedelta(days=1)
    for _ in range(400):  # a year of holidays is configuration gone wrong, not a reason to loop forever
        if is_working_day(day, config):
            return dt.datetime.combine(day, hours.end, tzinfo=zone).astimezone(dt.UTC)
        day += dt.timedelta(days=1)
    raise ValueError("no working day within 400 days; check working_hours.days and holidays in portal.yml")


def clocks_for(received: dt.datetime, config: PortalConfig, hours: SupportHours | None = None) -> Clocks:
    """The clocks of a case received at `received`; `hours`: its client's contract hours, where set."""
    hours = hours or SupportHours()
    first = (
        received + dt.timedelta(hours=hours.first_response)
        if hours.first_response
        else first_response_due(received, config)
    )
    return Clocks(
        first,
        received + dt.timedelta(hours=hours.updates or config.update_every_hours),
        received + dt.timedelta(hours=hours.resolution or config.level1_hours),
    )
