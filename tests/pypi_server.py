"""Serve recorded PyPI answers from a folder on the loopback server (tests and benchmarks).

``/pypi/<name>/json``          ← ``<root>/<name>.json`` or ``<name>.json.gz`` (sent gzip-encoded)
``/pypi/<name>/<ver>/json``    ← the same answer narrowed to that release
``/simple/<name>/``            ← ``<root>/<name>.simple.json`` when present, else built from
                                 the JSON answer's files (no ``provenance`` key, as an index
                                 without PEP 740 support would answer)
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from loopback import LoopbackServer, Route

__all__ = ["fast_serve", "install_pypi", "load_project"]


def fast_serve() -> Iterator[LoopbackServer]:
    """Like ``loopback.serve`` but polls for shutdown every 20 ms instead of 500 ms.

    Stopping the default server waits out its poll interval; with dozens of tests using a
    server that wait dominates their run time.
    """
    server = LoopbackServer()
    httpd = server._httpd
    server._thread = threading.Thread(
        target=lambda: httpd.serve_forever(poll_interval=0.02), daemon=True
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def load_project(root: Path, name: str) -> dict[str, Any] | None:
    plain = root / f"{name}.json"
    if plain.is_file():
        return json.loads(plain.read_text("utf-8"))  # type: ignore[no-any-return]
    packed = root / f"{name}.json.gz"
    if packed.is_file():
        return json.loads(gzip.decompress(packed.read_bytes()))  # type: ignore[no-any-return]
    return None


def _gz(data: object) -> bytes:
    return gzip.compress(json.dumps(data).encode(), compresslevel=1)


def install_pypi(server: LoopbackServer, root: Path, *, etag: bool = True) -> None:
    """Answer PyPI paths from ``root`` for any path without an explicit route."""
    raw_cache: dict[str, bytes] = {}
    built: dict[str, Route | None] = {}

    def fallback(path: str) -> Route | None:
        if path not in built:
            built[path] = _build(path)
        route = built[path]
        if route is None:
            return None
        return Route(body=route.body, headers=route.headers, etag=route.etag)

    def _build(path: str) -> Route | None:
        parts = [p for p in path.split("/") if p]
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json":
            name = parts[1]
            packed = root / f"{name}.json.gz"
            if packed.is_file():
                body = raw_cache.setdefault(name, packed.read_bytes())
            else:
                data = load_project(root, name)
                if data is None:
                    return None
                body = _gz(data)
            return Route(body=body, headers=headers, etag=f'"{name}-1"' if etag else None)
        if len(parts) == 4 and parts[0] == "pypi" and parts[3] == "json":
            data = load_project(root, parts[1])
            if data is None or parts[2] not in data.get("releases", {}):
                return None
            info = dict(data["info"], version=parts[2])
            release = {"info": info, "urls": data["releases"][parts[2]]}
            return Route(body=_gz(release), headers=headers)
        if len(parts) == 2 and parts[0] == "simple":
            name = parts[1]
            sidecar = root / f"{name}.simple.json"
            if sidecar.is_file():
                body = sidecar.read_bytes()
                return Route(body=body, headers={"Content-Type": "application/json"})
            data = load_project(root, name)
            if data is None:
                return None
            files = [
                {
                    "filename": f.get("filename"),
                    "upload-time": f.get("upload_time_iso_8601"),
                    "yanked": f.get("yanked", False),
                    "provenance": None,
                }
                for files in data.get("releases", {}).values()
                for f in files
            ]
            simple = {"meta": {"api-version": "1.1"}, "name": name, "files": files}
            return Route(body=_gz(simple), headers=headers)
        return None

    server.fallback = fallback
