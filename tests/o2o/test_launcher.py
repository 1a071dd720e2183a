"""The run command brings the whole platform up, serves the pages, and Ctrl-C stops everything."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
import psycopg2
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode(), response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), error.headers.get("Location", "")


@pytest.fixture
def scratch_database():
    """A database of its own on the suite's PostgreSQL server, dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"o2o_launch_{uuid.uuid4().hex[:8]}"
    params = {
        "user": db["USER"],
        "host": db["HOST"],
        "port": db["PORT"] or None,
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
    }
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    host = db["HOST"].replace("/", "%2F")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    yield f"postgres://{db['USER']}{password}@{host}{port}/{name}"
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_run_command_serves_platform_and_stops_on_ctrl_c(scratch_database, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": scratch_database,
        # A Redis database of its own so the platform's worker cannot take the suite's tasks.
        "REDIS_URL": settings.REDIS_URL.rsplit("/", 1)[0] + "/13",
        "PORT": str(port),
        "O2O_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DEBUG": "true",
        "WEB_CONCURRENCY": "1",
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "o2o.launcher"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while not any("Stop: Ctrl-C" in line for line in output):
            assert launcher.poll() is None, "".join(output)
            assert time.monotonic() < deadline, "".join(output)
            output.append(launcher.stdout.readline())
        banner = "".join(output)
        expected = ("Shopper H5", "/staff/", "/admin/", "hq ", "demo1234", "sample QR landing")
        for text in expected:
            assert text in banner

        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body, _ = fetch(f"{base}/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "web server never became healthy"
            time.sleep(0.5)
        assert '"broker": "ok"' in body

        assert fetch(f"{base}/")[0] == 200
        assert fetch(f"{base}/stores/")[0] == 200
        assert fetch(f"{base}/admin/login/")[0] == 200
        qr_url = next(line for line in output if line.startswith("sample QR landing:"))
        qr_url = qr_url.split(":", 1)[1].strip()
        # The label's QR answers with the product page itself (no redirect), naming the
        # product's own address as canonical.
        status, body, _ = fetch(qr_url)
        assert status == 200
        assert 'rel="canonical"' in body and "/p/" in body

        children = psutil.Process(launcher.pid).children(recursive=True)
        assert len(children) >= 3  # web, worker, beat (and their own workers)
    finally:
        launcher.send_signal(signal.SIGINT)
        try:
            rest, _ = launcher.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            launcher.kill()
            raise
    assert launcher.returncode == 0, rest
    assert "all processes stopped" in rest
    time.sleep(1)
    assert not [child for child in children if child.is_running() and child.status() != "zombie"]
