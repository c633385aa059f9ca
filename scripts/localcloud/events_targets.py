"""EventBridge rules with a Step Functions target (an S3 "Object Created" event starting a state
machine): moto delivers to log groups, queues and buses only and drops the rest, and leaves out
the target's InputTransformer for S3 events; its schedule-only rules match every event. The shim
keeps schedule-only and disabled rules out of event delivery and starts an execution per matching event
with the input AWS documents: the InputTransformer applied (placeholders take the JSON of the
value: strings quoted, numbers bare), else the target's Input, else the event; the event's time
as ISO 8601 (moto's S3 events carry epoch seconds).
"""

import datetime
import json

import moto.events.models as events_models
import moto.stepfunctions.models as stepfunctions_models

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


def _send_to_targets(self, original_event, transform_input=True):  # type: ignore[no-untyped-def]
    # A schedule-only rule matches no event (moto's empty pattern matches every one), and a
    # disabled rule delivers nothing: otherwise a scheduled rule's Lambda target, which moto
    # cannot invoke, aborts the delivery to every rule after it.
    if (self.scheduled_expression and not self.event_pattern._pattern) or self.state != "ENABLED":
        return None
    machines = [t for t in self.targets if t["Arn"].split(":")[2] == "states"]
    if machines and self.event_pattern.matches_event(original_event):
        event = dict(original_event)
        if isinstance(event.get("time"), (int, float)):
            event["time"] = datetime.datetime.fromtimestamp(event["time"], datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
        for target in machines:
            region, account = target["Arn"].split(":")[3:5]
            stepfunctions_models.stepfunctions_backends[account][region].start_execution(
                target["Arn"], name="", execution_input=_event_input(target, event)
            )
    others = [t for t in self.targets if t not in machines]
    if not others:
        return None
    kept = self.targets
    self.targets = others
    try:
        return _moto_send_to_targets(self, original_event, transform_input)
    finally:
        self.targets = kept


events_models.Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
