"""Concurrent clerks against a live gunicorn on loopback: each signs in through the login page
(its own session, CSRF and all), then, until the time is up, logs a purchase through the API
(``POST /api/v1/procurement/records/``) and reads its ledger page, again and again.

Threads and ``http.client`` only: the load generator is light next to the portal, and needs no
package beyond the standard library.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from .env import CACHE_DIR, ROOT, child_env

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOAD_INVOICE_PREFIX = "LOAD-"
# A clerk reads what came back before the next click: 0.5–1.5 s between requests. Without a
# pause every clerk would wait on the last answer only, and the latency would measure nothing
# but the number of clerks divided by the throughput.
THINK_SECONDS = (0.5, 1.5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn portal.wsgi -w <workers>`` on a free loopback port, against one bench
    database, with the bench's production-like environment."""

    def __init__(self, database: str, *, workers: int):
        self.port = free_port()
        self.log_path = CACHE_DIR / f"gunicorn-{database}.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "120",
        ]
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            command, cwd=ROOT, env=child_env(database), stdout=self.log, stderr=self.log
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz/")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log_path}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@dataclass
class Clerk:
    """One signed-in clerk: its cookies and what it may buy."""

    port: int
    username: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            sent = {"Host": "127.0.0.1", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, content
        finally:
            connection.close()

    def sign_in(self, password: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = CSRF_FIELD.search(page.decode())
        if status != 200 or token is None:
            raise RuntimeError(f"{self.username}: login page answered {status}")
        form = urlencode(
            {"username": self.username, "password": password, "csrfmiddlewaretoken": token[1]}
        ).encode()
        status, _page = self.request(
            "POST",
            "/accounts/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{self.username}: sign-in answered {status}")

    def post_purchase(self, payload: dict) -> int:
        status, _body = self.request(
            "POST",
            "/api/v1/procurement/records/",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "X-CSRFToken": self.cookies.get("csrftoken", "")},
        )
        return status

    def read_ledger(self) -> int:
        return self.request("GET", "/procurement/records/")[0]


def _percentiles(samples: list[float]) -> dict:
    if not samples:
        return {"count": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None}
    ordered = sorted(samples)

    def rank(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)

    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": rank(0.95),
        "p99_ms": rank(0.99),
    }


def run_load(
    *,
    port: int,
    usernames: list[str],
    password: str,
    products: list[tuple[int, int]],
    purchased_on: str,
    seconds: float,
) -> dict:
    """Sign every clerk in (in parallel, untimed), then let them work for ``seconds``."""
    clerks = [Clerk(port, username) for username in usernames]
    failures: list[str] = []

    def sign_in(clerk: Clerk) -> None:
        try:
            clerk.sign_in(password)
        except Exception as error:  # reported with the results, not raised in a thread
            failures.append(str(error))

    threads = [threading.Thread(target=sign_in, args=(clerk,)) for clerk in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"sign-in failed: {failures[:3]}")

    posts: list[float] = []
    reads: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work(number: int, clerk: Clerk) -> None:
        pause = random.Random(number)  # noqa: S311 - think times, not secrets
        time.sleep(pause.uniform(0, THINK_SECONDS[1]))  # the clerks do not start in step
        serial = 0
        while time.monotonic() < deadline:
            serial += 1
            supplier, product = products[(number * 31 + serial) % len(products)]
            payload = {
                "purchased_on": purchased_on,
                "supplier": supplier,
                "product": product,
                "amount": f"{100 + (serial * 37) % 9000}.50",
                "quantity": str(1 + serial % 20),
                "unit": "件",
                "channel": "outlet",
                "purpose": "canteen",
                "invoice_no": f"{LOAD_INVOICE_PREFIX}{number}-{serial}",
            }
            for kind, action, expected, bucket in (
                ("post", lambda p=payload: clerk.post_purchase(p), 201, posts),
                ("ledger", clerk.read_ledger, 200, reads),
            ):
                started = time.perf_counter()
                try:
                    status = action()
                except OSError as error:
                    status = f"{type(error).__name__}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if status == expected:
                        bucket.append(elapsed)
                    else:
                        errors.append(f"{kind} {status}")
                time.sleep(
                    max(0.0, min(pause.uniform(*THINK_SECONDS), deadline - time.monotonic()))
                )

    started = time.monotonic()
    workers = [
        threading.Thread(target=work, args=(number, clerk)) for number, clerk in enumerate(clerks)
    ]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "clerks": len(clerks),
        "think_seconds": "–".join(str(value) for value in THINK_SECONDS),
        "seconds": round(elapsed, 1),
        "requests_per_s": round((len(posts) + len(reads) + len(errors)) / elapsed, 1),
        "posts_per_s": round(len(posts) / elapsed, 1),
        "post": _percentiles(posts),
        "ledger": _percentiles(reads),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
    }
