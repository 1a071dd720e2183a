"""A WSGI app that answers with the pid of the process serving it (tests/o2o/test_web_worker.py)."""

import os


def app(environ, start_response):
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
