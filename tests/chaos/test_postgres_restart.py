"""PostgreSQL restarted under a running platform process: while it is down /healthz says
"down" (503); the next request after it is back succeeds on a fresh connection; a transaction cut
by a crash leaves nothing half-written.

On a private PostgreSQL (initdb in a temporary directory), never the suite's own server.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys

import pytest

from tests.chaos.servers import ROOT, PostgresProcess
from tests.conftest import missing

pytestmark = pytest.mark.chaos


class PlatformProcess:
    def __init__(self, database_url: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.chaos.pg_client"],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "o2o.settings",
                "DATABASE_URL": database_url,
                "PYTHONPATH": str(ROOT),
                "ALLOWED_HOSTS": "testserver",
            },
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._answer(timeout=60) == {"ready": True}

    def _answer(self, *, timeout: float) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        assert ready, f"no answer within {timeout} s"
        return json.loads(self.process.stdout.readline())

    def ask(self, command: str, *, timeout: float = 30) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer(timeout=timeout)

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def postgres():
    server = PostgresProcess()
    try:
        if not server.runnable:
            missing("no PostgreSQL binaries (initdb, pg_ctl), or root without a postgres user")
        server.init()
        server.start()
        yield server
        try:
            server.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
    finally:
        server.remove()


def test_postgres_restarted_between_requests_the_next_one_succeeds(postgres):
    platform = PlatformProcess(postgres.url)
    try:
        assert platform.ask("setup") == {}
        assert platform.ask("healthz")["body"]["checks"]["database"] == "ok"

        postgres.stop("fast")
        down = platform.ask("healthz")
        postgres.start()
        back = platform.ask("healthz")
    finally:
        platform.close()

    assert down["status"] == 503 and down["body"]["status"] == "down"
    assert down["body"]["down"] == ["database"]
    # The stale connection is noticed and replaced: no request fails once the server is back.
    assert back["status"] in (200,) and back["body"]["checks"]["database"] == "ok"


def test_a_transaction_cut_by_a_crash_leaves_nothing_half_written(postgres):
    platform = PlatformProcess(postgres.url)
    try:
        platform.ask("setup")
        assert platform.ask("begin") == {"open": True}

        postgres.stop("immediate")  # a crash: no checkpoint, the open transaction is cut
        postgres.start()
        committed = platform.ask("commit")
        rows = platform.ask("count")
        health = platform.ask("healthz")
    finally:
        platform.close()

    assert committed["committed"] is False
    assert rows == {"rows": 0}
    assert health["body"]["checks"]["database"] == "ok"
