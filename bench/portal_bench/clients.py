"""The load: browser-like clients on keep-alive connections, threads in child processes, each phase's tally
of latencies, acknowledged cases and errors."""

from __future__ import annotations

import http.client
import re
import resource
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field

CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
LOCATION = re.compile(r"/cases/(CASE-\d+)/")
DESCRIPTION = (
    "I imported the P6 schedule from last week's export and the Gantt chart stays empty.\r\n"
    "Steps: File > Import > Primavera P6 XML, chose the project, accepted the defaults.\r\n"
    "Expected: the activities on the timeline as in P6. Got: the activity table is filled, the chart is blank.\r\n"
    "It worked last month with the same kind of file. Our planners cannot send the baseline until it is fixed."
)


@dataclass
class Tally:
    """What clients saw in one phase; added up over threads and processes."""

    latencies: list[float] = field(default_factory=list)  # seconds, requests completed in the measured window
    acknowledged: list[str] = field(default_factory=list)  # case numbers of every 303, warm-up included
    errors: Counter = field(default_factory=Counter)
    cpu_seconds: float = 0.0

    def add(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.acknowledged += other.acknowledged
        self.errors += other.errors
        self.cpu_seconds += other.cpu_seconds


class Client:
    """One browser-like visitor on one keep-alive connection."""

    def __init__(self, port: int, name: str):
        self.port, self.name = port, name
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""
        self.token = ""
        self.sent = 0

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str | None, bytes]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a new connection
            raise
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, response.getheader("Location"), data

    def open_session(self) -> None:
        """GET the case form once: the session cookie and the CSRF token, as a browser gets them."""
        status, _, page = self.request("GET", "/cases/new?page=KB-0010&context=schedule.gantt&q=gantt+empty")
        found = CSRF.search(page.decode("utf-8", "replace"))
        if status != 200 or not found or not self.cookie:
            raise RuntimeError(f"GET /cases/new: {status}, no session cookie or CSRF token")
        self.token = found.group(1)

    def case_form(self) -> str:
        self.sent += 1
        return urllib.parse.urlencode(
            {
                "csrf_token": self.token,
                "idempotency_key": uuid.uuid4().hex,
                "subject": f"Gantt chart empty after P6 import ({self.name}-{self.sent})",
                "description": DESCRIPTION,
                "severity": "minor" if self.sent % 3 == 0 else "major",
                "module": "",
                "customer_name": "Zoe Planner",
                "customer_email": f"zoe.{self.name}@example.com",
                "company": "Acme Build Ltd",
                "phone": "+44 20 7946 0000",
                "page": "KB-0010",
                "context": "schedule.gantt",
                "last_search": "gantt empty",
            }
        )


def client_thread(port: int, endpoint: str, name: str, start_at: float, measure_from: float, until: float, out: Tally):
    client = Client(port, name)
    try:
        if endpoint == "submit":
            client.open_session()
    except (OSError, http.client.HTTPException, RuntimeError) as exc:
        out.errors[f"session: {exc}"[:120]] += 1
        return
    time.sleep(max(0.0, start_at - time.time()))
    while True:
        started = time.time()
        if started >= until:
            break
        try:
            if endpoint == "submit":
                status, location, _ = client.request("POST", "/cases/new", client.case_form())
                found = LOCATION.search(location or "") if status == 303 else None
                if found:
                    out.acknowledged.append(found.group(1))
                ok = bool(found)
            else:
                status, _, _ = client.request("GET", "/api/ping")
                ok = status == 200
        except (OSError, http.client.HTTPException) as exc:
            out.errors[type(exc).__name__] += 1
            continue
        ended = time.time()
        if not ok:
            out.errors[f"HTTP {status}"] += 1
        elif measure_from <= ended <= until:
            out.latencies.append(ended - started)
    client.connection.close()


def client_process(port: int, endpoint: str, threads: int, index: int, times: tuple[float, float, float], results):
    _, measure_from, until = times
    tallies = [Tally() for _ in range(threads)]
    workers = [
        threading.Thread(target=client_thread, args=(port, endpoint, f"p{index}t{n}", *times, tallies[n]))
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    time.sleep(max(0.0, measure_from - time.time()))
    before = _cpu_seconds()
    time.sleep(max(0.0, until - time.time()))
    cpu_used = _cpu_seconds() - before  # this process's threads, in the measured window
    for worker in workers:
        worker.join()
    total = Tally()
    for tally in tallies:
        total.add(tally)
    total.cpu_seconds = cpu_used
    results.put(total)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
