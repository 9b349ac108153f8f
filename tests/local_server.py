"""The part every local test server shares: a threaded HTTP server on 127.0.0.1, an
ephemeral port, start and stop (also as a context manager)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import TypeVar

S = TypeVar("S", bound="LocalServer")


class QuietHandler(BaseHTTPRequestHandler):
    """No access log on stderr: pytest would show it with every failure."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (a service that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


class LocalServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler], poll_interval: float = 0.5) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True
        )

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self: S) -> S:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
