"""EventBridge rules deliver to Step Functions and Lambda targets, with the input AWS documents.

moto delivers to log groups, queues and buses only: a Lambda target raises NotImplementedError
(aborting the delivery to every rule after it) and a state machine target is dropped; it leaves
out the target's InputTransformer for S3 events, and its schedule-only rules match every event.
Here:
* schedule-only and disabled rules match no event (schedules fire from event_delivery's
  scheduler instead);
* a state machine target starts an execution per matching event;
* a Lambda target is invoked asynchronously (invocation type Event, as EventBridge does) through
  the local Lambda runtime, when the function's resource policy lets events.amazonaws.com invoke
  it for this rule (event_delivery.deliver_to_function);
* the input is AWS's: the InputTransformer applied (placeholders take the JSON of the value:
  strings quoted, numbers bare), else the target's Input, else the event; the event's time as
  ISO 8601 (moto's S3 and PutEvents events carry epoch seconds) and without moto's own
  "ingestion-time" key.
Other targets (queues, log groups, buses) stay moto's.
"""

import datetime
import json
import sys

import moto.events.models as events_models

_moto_send_to_targets = events_models.Rule.send_to_targets


def _fill_template(template: str, values: dict) -> str:
    """AWS's placeholder rule: the JSON of the value; inside a JSON string, that JSON escaped."""
    out = []
    in_string = False
    i = 0
    while i < len(template):
        c = template[i]
        if c == "\\" and in_string:
            out.append(template[i : i + 2])
            i += 2
            continue
        if c == '"':
            in_string = not in_string
        if c == "<":
            end = template.find(">", i)
            name = template[i + 1 : end] if end > i else ""
            if name in values:
                text = json.dumps(values[name])
                out.append(json.dumps(text)[1:-1] if in_string else text)
                i = end + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _event_input(target: dict, event: dict) -> str:
    transformer = target.get("InputTransformer")
    if transformer:
        from jsonpath_ng.ext import parse as jsonpath

        values = {"aws.events.event.json": event}
        for name, path in (transformer.get("InputPathsMap") or {}).items():
            found = jsonpath(path).find(event)  # type: ignore[no-untyped-call]
            values[name] = found[0].value if found else None
        return _fill_template(transformer.get("InputTemplate") or "", values)
    if target.get("Input") is not None:
        return target["Input"]
    return json.dumps(event)


def aws_event(original_event: dict) -> dict:
    """The event as EventBridge hands it to targets: ISO 8601 time, no moto-only keys."""
    event = {k: v for k, v in original_event.items() if k != "ingestion-time"}
    if isinstance(event.get("time"), (int, float)):
        event["time"] = datetime.datetime.fromtimestamp(event["time"], datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    elif isinstance(event.get("time"), datetime.datetime):
        event["time"] = event["time"].astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def is_enabled(rule: events_models.Rule) -> bool:
    # ENABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
    return str(rule.state or "ENABLED").startswith("ENABLED")


def _service_of(target: dict) -> str:
    parts = str(target.get("Arn", "")).split(":")
    return parts[2] if len(parts) > 2 else ""


def deliver(rule: events_models.Rule, original_event: dict, transform_input: bool = True) -> list:
    """Delivers one event to every target of `rule`; returns [(target id, outcome)]."""
    event = aws_event(original_event)
    outcomes = []
    for target in rule.targets:
        service = _service_of(target)
        try:
            if service == "states":
                from moto.stepfunctions.responses import get_backend

                region, account = target["Arn"].split(":")[3:5]
                execution = get_backend(account, region).start_execution(
                    target["Arn"], name=None, execution_input=_event_input(target, event)
                )
                outcomes.append((target["Id"], execution.execution_arn))
            elif service == "lambda":
                from . import event_delivery

                outcome = event_delivery.deliver_to_function(
                    target["Arn"],
                    _event_input(target, event).encode(),
                    principal="events.amazonaws.com",
                    source_arn=rule.arn,
                    source_account=rule.account_id,
                )
                outcomes.append((target["Id"], outcome))
        except Exception as error:  # an asynchronous delivery never fails the caller (AWS retries, then drops)
            print(f"localcloud events: rule {rule.arn} target {target.get('Id')}: {error!r}", file=sys.stderr)
            outcomes.append((target.get("Id"), f"failed: {error}"))
    others = [t for t in rule.targets if _service_of(t) not in ("states", "lambda")]
    if others:
        kept = rule.targets
        rule.targets = others
        try:
            _moto_send_to_targets(rule, original_event, transform_input)
            outcomes.extend((t["Id"], "delivered by moto") for t in others)
        finally:
            rule.targets = kept
    return outcomes


def _send_to_targets(self, original_event, transform_input=True):  # type: ignore[no-untyped-def]
    # A schedule-only rule matches no event (moto's empty pattern matches every one), and a
    # disabled rule delivers nothing.
    if (self.scheduled_expression and not self.event_pattern._pattern) or not is_enabled(self):
        return None
    if not self.event_pattern.matches_event(original_event):
        return None
    deliver(self, original_event, transform_input)
    return None


events_models.Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
