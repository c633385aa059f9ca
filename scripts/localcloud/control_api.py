"""The local cloud's own endpoints under /_localcloud/ (local only: the server binds 127.0.0.1).

    POST /_localcloud/images   push an image directory (images.py)
    GET  /_localcloud/health   {"runtime": bool, "iam": bool}

Other modules add routes with `route(method, prefix, handler)`; a handler takes (environ, body)
and returns (status, headers, body).
"""

from __future__ import annotations

import json
import os

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from . import images, settings

_ROUTES: list = []


def route(method: str, prefix: str, handler) -> None:  # type: ignore[no-untyped-def]
    _ROUTES.append((method, prefix, handler))


def _json(status: int, value) -> tuple:  # type: ignore[no-untyped-def]
    return status, {"Content-Type": "application/json"}, json.dumps(value).encode()


def _push_image(environ, body: bytes) -> tuple:  # type: ignore[no-untyped-def]
    try:
        spec = json.loads(body or b"{}")
        manifest = images.push(spec["repository"], spec.get("tag") or "latest", spec["taskRoot"], spec.get("cmd"), spec.get("env"), spec.get("runtime"))
    except (KeyError, ValueError, TypeError) as error:
        return _json(400, {"message": f"bad image push: {error}"})
    return _json(201, manifest)


route("POST", "/_localcloud/images", _push_image)
# The pid lets a starter tell its own server from another one on the same port.
route("GET", "/_localcloud/health", lambda environ, body: _json(200, {"runtime": settings.RUNTIME_ON, "iam": settings.IAM_ENFORCED, "pid": os.getpid()}))

_moto_call = DomainDispatcherApplication.__call__


def _call(self, environ, start_response):  # type: ignore[no-untyped-def]
    path = environ.get("PATH_INFO", "")
    if path.startswith("/_localcloud/"):
        method = environ.get("REQUEST_METHOD", "GET")
        for route_method, prefix, handler in _ROUTES:
            if method == route_method and path.startswith(prefix):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length) if length else b""
                status, headers, data = handler(environ, body)
                start_response(f"{status} {'OK' if status < 400 else 'Error'}", list(headers.items()) + [("Content-Length", str(len(data)))])
                return [data]
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [json.dumps({"message": f"no local cloud endpoint {method} {path}"}).encode()]
    return _moto_call(self, environ, start_response)


DomainDispatcherApplication.__call__ = _call  # type: ignore[method-assign]
