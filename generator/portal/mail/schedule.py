"""When to try a message again: exponential backoff, from a minute doubling to an hour, for three days.

A count of quick attempts gave mail up while an SMTP server was down for an afternoon; a schedule in time
keeps trying through a long weekend's outage and still ends, so an agent learns the mail never went."""

from __future__ import annotations

import datetime as dt

FIRST_DELAY = dt.timedelta(minutes=1)
LONGEST_DELAY = dt.timedelta(hours=1)
KEEP_TRYING = dt.timedelta(days=3)


def next_attempt(first_attempt: dt.datetime, failed_at: dt.datetime, attempts: int) -> dt.datetime | None:
    """When to try again after the `attempts`-th attempt failed at `failed_at`; None: give up now."""
    delay = LONGEST_DELAY
    if attempts <= 10:  # 2**10 minutes is past the cap already, and this keeps the power small
        delay = min(FIRST_DELAY * 2 ** max(attempts - 1, 0), LONGEST_DELAY)
    retry = failed_at + delay
    if retry > first_attempt + KEEP_TRYING:
        # One last try at the three-day mark, unless that was this one.
        last = first_attempt + KEEP_TRYING
        return last if failed_at < last else None
    return retry
