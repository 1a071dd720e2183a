"""The web server's worker: gunicorn's threaded worker, listening on a socket of its own.

gunicorn's workers all accept from the one socket the master opened, and a connection stays with
the worker that accepted it for its whole life. When many keep-alive connections open at once (a
burst of shoppers, or a load generator), the worker that wakes first takes most of them and serves
them on one core while the other idles: with 32 connections and 2 workers, splits of 30/2, 28/4
and 32/0 were counted, and they halved the rate of a page. Here each worker listens on a socket of
its own bound to the same address with SO_REUSEPORT, and the kernel deals new connections among
the workers' sockets by a hash of the addresses: an even split on average, whoever is awake.

The master's socket, which every worker inherits, is shut down by the first worker that listens,
so that no connection waits in a queue nobody reads. What this costs: connections still waiting
in a worker's queue when that worker exits are refused, and while no worker runs the port refuses
connections instead of queueing them. Without `--reuse-port` the master's socket does not allow a
second one on its address, and the workers share it as gunicorn's own do (with a warning).
"""

from __future__ import annotations

import socket

from gunicorn.workers.gthread import ThreadWorker as GunicornThreadWorker

# How the run command, the benches and the Docker image (which states them itself) run gunicorn.
GUNICORN_OPTIONS = ("--worker-class", "o2o.web_worker.ThreadWorker", "--reuse-port")


class ThreadWorker(GunicornThreadWorker):
    def init_process(self):
        self.sockets = [self._own(listener) for listener in self.sockets]
        super().init_process()

    def _own(self, listener):
        if listener.family not in (socket.AF_INET, socket.AF_INET6):
            return listener  # a Unix socket: nothing to deal
        if not listener.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT):
            self.log.warning("gunicorn runs without --reuse-port: the workers share one socket")
            return listener
        own = socket.socket(listener.family, socket.SOCK_STREAM)
        own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        own.bind(listener.getsockname())
        own.listen(self.cfg.backlog)
        try:
            listener.shutdown(socket.SHUT_RDWR)  # it stops listening, in every process
        except OSError:
            pass  # another worker did it first
        return own
