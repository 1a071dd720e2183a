"""Without DATABASE_URL / REDIS_URL the launcher starts real embedded servers and stops them."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import os, psycopg2, redis
import environ
db = environ.Env.db_url_config(os.environ["DATABASE_URL"])
with psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"]) as connection:
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


def test_embedded_postgres_and_redis_start_serve_and_stop(tmp_path):
    redis_port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"O2O_VAR_DIR": str(tmp_path / "var"), "EMBEDDED_REDIS_PORT": str(redis_port)})

    result = subprocess.run(
        [sys.executable, "-m", "o2o.embedded", "--", sys.executable, "-c", PROBE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "database o2o PostgreSQL" in result.stdout
    assert "redis True" in result.stdout
    assert (tmp_path / "var" / "postgres" / "PG_VERSION").exists()
    assert not port_open(redis_port), "embedded Redis still running after the command ended"

    # A second run reuses the data directory instead of initialising a new cluster.
    again = subprocess.run(
        [sys.executable, "-m", "o2o.embedded", "--", sys.executable, "-c", PROBE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "database o2o" in again.stdout
