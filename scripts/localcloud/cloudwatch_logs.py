"""Each invocation's output in the function's CloudWatch log group, as Lambda writes it.

The group is the function's LoggingConfig.LogGroup or /aws/lambda/<name>; the stream is the
execution environment's (`YYYY/MM/DD/[<version>]<id>`). Lines: `START RequestId: <id> Version:
<v>`, the function's own output, `END RequestId: <id>`, and `REPORT RequestId: <id>  Duration ...
Billed Duration ... Memory Size ... Max Memory Used ... [Init Duration ...]`. Readable with
FilterLogEvents, GetLogEvents and `aws logs tail`. Lambda creates a missing group; so does this.
"""

from __future__ import annotations

import math
import time

from moto.logs.models import logs_backends


def write(snap, stream: str, request_id: str, output: list, outcome) -> list:  # type: ignore[no-untyped-def]
    """Writes one invocation's lines; returns them (the Invoke API's LogResult tail is made from them)."""
    lines = [f"START RequestId: {request_id} Version: {snap.version}"]
    lines += output
    lines.append(f"END RequestId: {request_id}")
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {outcome.duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, math.ceil(outcome.duration_ms))} ms\tMemory Size: {snap.memory_size} MB\t"
        f"Max Memory Used: {outcome.max_memory_mb} MB\t"
    )
    if outcome.init_ms is not None:
        report += f"Init Duration: {outcome.init_ms:.2f} ms\t"
    if outcome.error_type == "Sandbox.Timedout":
        report += "Status: timeout"
    lines.append(report)
    backend = logs_backends[snap.account_id][snap.region]
    try:
        backend.ensure_log_group(snap.log_group)
        group = backend.groups[snap.log_group]
        if stream not in group.streams:
            backend.create_log_stream(snap.log_group, stream)
        now = int(time.time() * 1000)
        backend.put_log_events(snap.log_group, stream, [{"timestamp": now, "message": line} for line in lines])
    except Exception as error:  # logging must never fail an invocation
        print(f"localcloud: could not write logs of {snap.name} to {snap.log_group}: {error}", flush=True)
    return lines
