"""forking.py's one rule: kb forks only from a process running one thread (a lock another thread holds at
the fork stays held in the child for ever), and its workers start no workers of their own.

Run in a fresh interpreter: pytest's own process may have threads of its fixtures' servers."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import multiprocessing, threading
    from generator.forking import alone_in_process, may_start_workers

    def both():
        return f"{alone_in_process()} {may_start_workers()}"

    def in_worker(send):
        send.send(both())

    print("alone", both())
    release = threading.Event()
    parked = threading.Thread(target=release.wait)
    parked.start()
    print("with a thread", both())
    release.set()
    parked.join()
    print("thread gone", both())
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=in_worker, args=(send,))
    child.start()
    print("in a worker", receive.recv())
    child.join()
    """
)


def test_kb_forks_only_from_one_thread_and_its_workers_start_none():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "alone True True",
        "with a thread False False",  # kb serve's rebuilds, a portal request: rendered in-process
        "thread gone True True",
        "in a worker True False",  # an --all-clients build: its handouts may fork, its engine does not
    ]
