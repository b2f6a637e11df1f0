"""Rate limits count every worker's requests together when they share a Redis storage (portal.yml's
rate_limit_storage): two workers no longer let a client through twice the configured rate."""

from __future__ import annotations

import pytest

from .portal_helpers import GENEROUS_LIMITS, Visitor, case_fields

FIVE_A_MINUTE = GENEROUS_LIMITS | {"submit": "5 per minute"}


def test_two_workers_sharing_redis_enforce_the_rate_once(make_app, redis_url, redis_prefix, store):
    workers = [
        make_app(rate_limits=FIVE_A_MINUTE, rate_limit_storage=redis_url, rate_limit_prefix=redis_prefix)
        for _ in range(2)
    ]
    browsers = [Visitor(app.test_client()) for app in workers]  # one client address, two worker processes' apps

    sent = [browsers[i % 2].submit("/cases/new", case_fields(subject=f"Case {i}")).status_code for i in range(5)]
    refused = [browser.submit("/cases/new", case_fields(subject="One too many")) for browser in browsers]

    assert sent == [303] * 5
    assert [response.status_code for response in refused] == [429, 429]
    assert "Slow down" in refused[0].text
    assert store.count_cases() == 5


def test_in_memory_each_worker_counts_on_its_own(make_app, store):
    """What `kb portal --workers N` warns about when rate_limit_storage is memory://."""
    workers = [make_app(rate_limits=FIVE_A_MINUTE) for _ in range(2)]
    browsers = [Visitor(app.test_client()) for app in workers]

    sent = [browsers[i % 2].submit("/cases/new", case_fields(subject=f"Case {i}")).status_code for i in range(10)]

    assert sent == [303] * 10


@pytest.mark.parametrize(("workers", "warned"), [("1", False), ("2", True)])
def test_kb_portal_warns_that_memory_rate_limits_multiply_with_workers(
    run_kb, make_project, built_basic, tmp_path, workers, warned
):
    import socket

    project = make_project("basic")
    with socket.socket() as taken:  # the command stops at the port check, after what it says at start
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ["--port", str(port), "--workers", workers, "--site", str(built_basic("site"))]
        result = run_kb(project, "portal", *args, "--database-url", f"sqlite:///{tmp_path / 'cases.db'}")
        (project / "portal.yml").write_text("rate_limit_storage: redis://127.0.0.1:6379/0\n", encoding="utf-8")
        shared = run_kb(project, "portal", *args, "--database-url", f"sqlite:///{tmp_path / 'cases.db'}")

    warning = (
        f"Warning: rate limits are counted in each of the {workers} processes (rate_limit_storage is memory://), "
        f"so a client gets up to {workers} times each rate; set rate_limit_storage: redis://HOST:PORT/DB in "
        "portal.yml to count them once."
    )
    assert (warning in result.output) == warned, result.output
    assert "Warning" not in shared.output, shared.output
