"""Progress at any size: how far a build is, and how long is left at the pace of the last seconds."""

from __future__ import annotations

from generator.progress import _time_left


def test_time_left_follows_the_recent_pace():
    # 100 pages in the last 5 s, 900 to go: 45 s.
    assert _time_left([(0.0, 0), (5.0, 100)], 1000) == ", about 45 s left"
    # Cached pages came first and fast; the recent pace (10 pages a second) is what counts.
    assert _time_left([(10.0, 800), (20.0, 900)], 1000) == ", about 10 s left"


def test_time_left_says_nothing_without_a_pace():
    assert _time_left([(0.0, 0), (1.0, 100)], 1000) == ""  # under two seconds of pace
    assert _time_left([(0.0, 100), (5.0, 100)], 1000) == ""  # nothing written lately
    assert _time_left([(0.0, 900), (5.0, 1000)], 1000) == ""  # done
