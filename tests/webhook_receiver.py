"""A local webhook receiver for tests: a threaded http.server on a free port that records what it
gets and answers as told (fail the first N requests, or always)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def document(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    fail_first: int = 0
    always_fail: bool = False
    failure_status: int = 503
    requests: list[Received] = field(default_factory=list)
    delivered: list[Received] = field(default_factory=list)

    def answer(self, received: Received) -> int:
        self.requests.append(received)
        if self.always_fail or len(self.requests) <= self.fail_first:
            return self.failure_status
        self.delivered.append(received)
        return 204


def receiver_start() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            status = receiver.answer(Received(headers=dict(self.headers.items()), body=body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return receiver, server
