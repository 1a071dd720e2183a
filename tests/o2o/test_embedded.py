"""Without DATABASE_URL / REDIS_URL the launcher starts real embedded servers and stops them."""

import os
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django, os, redis
os.environ["DJANGO_SETTINGS_MODULE"] = "o2o.settings"
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT current_database(), version()")
    name, version = cursor.fetchone()
print("database", name, version.split()[0])
print("redis", redis.Redis.from_url(os.environ["REDIS_URL"]).ping())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def var_dir():
    # Inside the project, not the system temp dir: the embedded PostgreSQL runs as its own
    # system user, which cannot enter pytest's private (0700) temp folders.
    path = ROOT / "var" / f"test-embedded-{uuid.uuid4().hex[:8]}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_embedded_postgres_and_redis_start_serve_and_stop(var_dir):
    redis_port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"O2O_VAR_DIR": str(var_dir), "EMBEDDED_REDIS_PORT": str(redis_port)})

    result = subprocess.run(
        [sys.executable, "-m", "o2o.embedded", "--", sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "database o2o PostgreSQL" in result.stdout
    assert "redis True" in result.stdout
    assert (var_dir / "postgres" / "PG_VERSION").exists()
    assert not port_open(redis_port), "embedded Redis still running after the command ended"

    # A second run reuses the data directory instead of initialising a new cluster.
    again = subprocess.run(
        [sys.executable, "-m", "o2o.embedded", "--", sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "database o2o" in again.stdout
