"""Build progress on a fake clock: how far a phase is, its rate so far and the time that leaves, shown in a
terminal (redrawn in place) and in a log (a line every LOG_EVERY seconds)."""

from __future__ import annotations

import io

import pytest

from generator.progress import LOG_EVERY, ConsoleReporter, Progress, format_duration


class FakeClock:
    def __init__(self, now: float = 100.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_estimate_is_what_is_left_at_the_rate_so_far():
    clock = FakeClock()
    progress = Progress(1000, clock, "pages")
    clock.now += 10
    progress.done = 250  # 25 a second: 750 left take 30 s
    assert progress.seconds_left() == pytest.approx(30)
    assert progress.line() == "  250/1,000 pages (25%), 25.0 a second, about 30 s left"
    clock.now += 90  # it slowed down: 50 more in 90 s, 300 in 100 s; 700 left at 3 a second
    progress.done = 300
    assert progress.seconds_left() == pytest.approx(700 / 3)
    assert progress.line().endswith("(30%), 3.0 a second, about 3 min 54 s left")


def test_no_estimate_before_there_is_a_rate():
    clock = FakeClock()
    progress = Progress(10_000, clock, "pages")
    clock.now += 30
    assert progress.seconds_left() is None  # nothing done yet: no rate, no guess
    assert progress.line() == "  0/10,000 pages (0%)"
    progress.done = 5
    clock.now = progress.started + 0.5  # too soon to trust the rate
    assert progress.seconds_left() is None


def test_a_slow_phase_shows_its_pace_as_time_per_item():
    clock = FakeClock()
    progress = Progress(3, clock, "clients done")
    clock.now += 70
    progress.done = 1
    assert progress.line() == "  1/3 clients done (33%), one every 1 min 10 s, about 2 min 20 s left"


def test_a_finished_phase_shows_no_estimate():
    clock = FakeClock()
    progress = Progress(40, clock, "pages")
    clock.now += 4
    progress.done = 40
    assert progress.seconds_left() == 0
    assert progress.line() == "  40/40 pages (100%)"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.2, "1 s"), (12, "12 s"), (59.1, "1 min 00 s"), (185, "3 min 05 s"), (3725, "1 h 02 min")],
)
def test_durations_are_rounded_up(seconds, shown):
    assert format_duration(seconds) == shown


def test_a_log_gets_a_count_line_every_interval_with_its_estimate():
    clock, stream = FakeClock(), io.StringIO()
    reporter = ConsoleReporter(stream, clock=clock, live=False)
    reporter.step("Rendering 10,000 pages")
    tick = reporter.advance(10_000)
    for _ in range(2_000):  # 2,000 pages in 20 s: 100 a second
        clock.now += 0.01
        tick(None)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[   0.0s] Rendering 10,000 pages"
    # One line per LOG_EVERY seconds, not one per page.
    assert len(lines) == 1 + int(20 // LOG_EVERY)
    assert lines[1] == "[  10.0s]   1,000/10,000 pages (10%), 100.0 a second, about 1 min 30 s left"
    assert lines[2] == "[  20.0s]   2,000/10,000 pages (20%), 100.0 a second, about 1 min 20 s left"


def test_a_terminal_redraws_the_count_in_place_and_ends_it_with_a_newline():
    clock, stream = FakeClock(), io.StringIO()
    reporter = ConsoleReporter(stream, clock=clock, live=True)
    tick = reporter.advance(32)
    for _ in range(32):  # a page every 1/16 s: a redraw every fourth page (REDRAW_EVERY is 0.2 s)
        clock.now += 0.0625
        tick(None)
    redraws = stream.getvalue().split("\r")[1:]
    assert len(redraws) == 8
    # (click leaves the terminal's erase-to-end-of-line out of a stream that is not a terminal)
    assert redraws[-2] == "[   1.8s]   28/32 pages (87%), 16.0 a second, about 1 s left"
    assert redraws[-1] == "[   2.0s]   32/32 pages (100%)\n"
