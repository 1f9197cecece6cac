"""A real HTTP server on 127.0.0.1 for tests: recorded data, conditional GETs, faults.

Tests never touch the network: they point pipwarden's URL settings at this server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["LoopbackServer", "Route", "serve"]


@dataclass
class Route:
    """What one path answers. Faults are opt-in per route."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    truncate_at: int | None = None  # announce the full length, send this many bytes, close
    delay: float = 0.0  # seconds to sleep before answering (timeouts)
    fail_times: int = 0  # answer 500 this many times first (retries)
    fail_status: int = 500
    hits: int = 0


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


class LoopbackServer:
    """Serve :class:`Route` objects by path on an ephemeral loopback port."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.fallback: Callable[[str], Route | None] | None = None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_HEAD(self) -> None:
                self._answer(send_body=False)

            def do_GET(self) -> None:
                self._answer(send_body=True)

            def _answer(self, *, send_body: bool) -> None:
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.requests.append(Request(self.command, self.path, dict(self.headers)))
                    route = server.routes.get(path)
                    if route is None and server.fallback is not None:
                        route = server.fallback(path)
                    if route is not None:
                        route.hits += 1
                        failing = route.fail_times > 0
                        if failing:
                            route.fail_times -= 1
                if route is None:
                    self._send(404, b"not found", {"Content-Type": "text/plain"}, send_body)
                    return
                if route.delay:
                    time.sleep(route.delay)
                if failing:
                    self._send(route.fail_status, b"server error", {}, send_body)
                    return
                headers = dict(route.headers)
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if (route.etag and inm == route.etag) or (
                    route.last_modified and ims == route.last_modified and not inm
                ):
                    self._send(304, b"", headers, send_body=False)
                    return
                if route.truncate_at is not None:
                    self.send_response(route.status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if send_body:
                        self.wfile.write(route.body[: route.truncate_at])
                        self.wfile.flush()
                    self.close_connection = True
                    return
                self._send(route.status, route.body, headers, send_body)

            def _send(
                self, status: int, body: bytes, headers: dict[str, str], send_body: bool
            ) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body and status != 304:
                    self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                # A client that gave up (timeout tests, truncated bodies) is expected.
                import sys

                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)  # type: ignore[arg-type]

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def add(self, path: str, body: bytes | str = b"", **kwargs: object) -> Route:
        data = body.encode() if isinstance(body, str) else body
        route = Route(body=data, **kwargs)  # type: ignore[arg-type]
        self.routes[path] = route
        return route

    def add_file(self, path: str, file: Path, **kwargs: object) -> Route:
        return self.add(path, file.read_bytes(), **kwargs)

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path.split("?", 1)[0] == path)

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def serve() -> Iterator[LoopbackServer]:
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()
