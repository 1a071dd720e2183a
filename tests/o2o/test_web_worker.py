"""The web server's worker (o2o/web_worker.py): each gunicorn worker listens on a socket of its
own, so a burst of keep-alive connections is dealt among the workers by the kernel instead of
going to whichever worker wakes first, and each connection stays with its worker."""

import http.client
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

from o2o.web_worker import GUNICORN_OPTIONS

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(connection: http.client.HTTPConnection) -> int:
    connection.request("GET", "/")
    response = connection.getresponse()
    assert response.status == 200
    return int(response.read())


def listening(process: psutil.Process, port: int) -> int:
    return sum(
        1
        for conn in process.net_connections("tcp")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
    )


@pytest.fixture
def serve(tmp_path):
    """Start gunicorn (2 workers × 4 threads) on the pid app; yields (port, master, log path)."""
    started = []

    def start(*options):
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        master = subprocess.Popen(
            [str(GUNICORN), "tests.o2o.pid_app:app", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "2", "--threads", "4", *options],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        started.append(master)
        deadline = time.monotonic() + 30
        while len(psutil.Process(master.pid).children()) < 2 or not _answers(port):
            assert master.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        return port, psutil.Process(master.pid), log

    yield start
    for master in started:
        master.terminate()
        master.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        get(connection)
        connection.close()
        return True
    except OSError:
        return False


def test_each_worker_listens_on_its_own_socket_and_a_burst_is_dealt_among_them(serve):
    port, master, _ = serve(*GUNICORN_OPTIONS)
    workers = master.children()
    deadline = time.monotonic() + 10
    while any(listening(worker, port) != 1 for worker in workers):
        assert time.monotonic() < deadline, "a worker is not listening on its own socket"
        time.sleep(0.1)
    # gunicorn's own workers all listen on the master's socket; ours shut it down.
    assert listening(master, port) == 0

    # 40 keep-alive connections opened at once, then one request on each.
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(40)]
    for connection in connections:
        connection.connect()
    first = [get(connection) for connection in connections]
    served = Counter(first)
    assert set(served) == {worker.pid for worker in workers}
    # Dealt by a hash: each worker's share is binomial(40, 1/2), below 8 once in 40,000 runs.
    assert min(served.values()) >= 8, served
    # A connection stays with its worker.
    assert [get(connection) for connection in connections] == first
    for connection in connections:
        connection.close()


def test_without_reuse_port_the_workers_share_the_masters_socket(serve):
    port, master, log = serve("--worker-class", "o2o.web_worker.ThreadWorker")
    assert listening(master, port) == 1
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    assert get(connection) in {worker.pid for worker in master.children()}
    connection.close()
    assert "without --reuse-port" in log.read_text()
