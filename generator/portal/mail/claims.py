"""Who is sending a message: host, process id and the process's start time, so a worker can tell at once
whether a claim's process on this host is gone (killed, crashed) instead of waiting for the claim to time
out. The start time tells a reused process id from the process that made the claim."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Claimant:
    host: str
    pid: int
    started: str  # the kernel's start time of the process, in clock ticks since boot; "" where unknown

    def __str__(self) -> str:
        return f"{self.host} {self.pid} {self.started}"


def parse_claimant(text: str) -> Claimant | None:
    """What `str(Claimant)` wrote; None for anything else (a claim from before claimants were recorded)."""
    parts = text.split(" ")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return Claimant(parts[0], int(parts[1]), parts[2])


def this_process() -> Claimant:
    """The claimant for this process (called after a fork, it names the child)."""
    pid = os.getpid()
    if _mine.get(pid) is None:  # once per process: it is asked on every acknowledgement
        _mine.clear()
        _mine[pid] = Claimant(socket.gethostname(), pid, _start_time(pid))
    return _mine[pid]


_mine: dict[int, Claimant] = {}


def is_alive(claimant: Claimant) -> bool:
    """Whether the claimant's process still runs; only meaningful for a claimant on this host."""
    try:
        os.kill(claimant.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return not claimant.started or _start_time(claimant.pid) in ("", claimant.started)


def _start_time(pid: int) -> str:
    """Field 22 of /proc/PID/stat (Linux); "" elsewhere or if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read().decode()
    except OSError:
        return ""
    # The command name (field 2) is in parentheses and may hold spaces or ")": split after the last ")".
    return text[text.rindex(")") + 2 :].split()[19]
