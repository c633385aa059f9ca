"""Container images, locally: no image can be built or pulled here, so an image is a directory.

The one mapping: pushing `<repository>:<tag>` to the local cloud records a directory holding what
the image's Dockerfile copies into LAMBDA_TASK_ROOT (the project's own bundle of the image's
sources), with the image's CMD and ENV:

    POST /_localcloud/images  {"repository": "r", "tag": "t", "taskRoot": "/abs/dir",
                               "cmd": ["module.handler"], "env": {"K": "V"}}
    (scripts/local-image.js push does it for the project's images)

An image function (`PackageType = Image`, ImageUri `<registry>/<repository>:<tag>` or `@<digest>`
of a pushed image) then runs the handler its ImageConfig.Command names, else the image's CMD,
from that directory on the Node.js major of the image's base (`nodejs<major>`, default 22),
with the image's ENV under the function's environment. What this proves: the handler, its
environment, role, timeout and alias wiring. What it does not: the image build itself, the base
image's contents, EntryPoint overrides, and the architecture (arm64 images run on this machine's).
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from . import settings

STORE = settings.HOME / "images"
_LOCK = threading.Lock()


class ImageNotPushed(Exception):
    pass


def _path(repository: str, tag: str) -> Path:
    safe = lambda s: s.replace("/", "__")  # noqa: E731
    return STORE / safe(repository) / f"{safe(tag)}.json"


def push(repository: str, tag: str, task_root: str, cmd: list | None = None, env: dict | None = None, runtime: str | None = None) -> dict:
    root = Path(task_root)
    if not root.is_absolute() or not root.is_dir():
        raise ValueError(f"taskRoot {task_root!r} must be an existing absolute directory")
    manifest = {"repository": repository, "tag": tag, "taskRoot": str(root), "cmd": list(cmd or []), "env": dict(env or {}), "runtime": runtime or "nodejs22.x"}
    manifest["digest"] = "sha256:" + hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    with _LOCK:
        target = _path(repository, tag)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(manifest, indent=2))
        (target.parent / f"{manifest['digest'].replace(':', '_')}.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def lookup(image_uri: str) -> dict:
    """The pushed manifest of an image URI, or ImageNotPushed naming it."""
    if "@" in image_uri:
        location, reference = image_uri.split("@", 1)
        reference = reference.replace(":", "_")
    else:
        location, _, reference = image_uri.rpartition(":")
        if "/" in reference or not location:
            location, reference = image_uri, "latest"
    repository = location.split("/", 1)[1] if "/" in location else location
    manifest = _path(repository, reference)
    if not manifest.is_file():
        raise ImageNotPushed(
            f"Image {image_uri} has not been pushed to the local cloud (repository {repository!r}, "
            f"reference {reference!r}): push its directory first (scripts/local-image.js push)"
        )
    return json.loads(manifest.read_text())


def task_root(snap) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    from .lambda_runtime import RuntimeUnavailable

    try:
        manifest = lookup(snap.image_uri or "")
    except ImageNotPushed as error:
        raise RuntimeUnavailable(str(error)) from None
    command = list(snap.image_command) or manifest.get("cmd") or []
    if not command:
        raise RuntimeUnavailable(f"Image {snap.image_uri} has no CMD and the function no ImageConfig command")
    return Path(manifest["taskRoot"]), command[0]


def image_env(snap) -> dict:  # type: ignore[no-untyped-def]
    try:
        return dict(lookup(snap.image_uri or "").get("env") or {})
    except ImageNotPushed:
        return {}


def image_runtime(snap) -> str:  # type: ignore[no-untyped-def]
    try:
        return lookup(snap.image_uri or "").get("runtime") or "nodejs22.x"
    except ImageNotPushed:
        return "nodejs22.x"
