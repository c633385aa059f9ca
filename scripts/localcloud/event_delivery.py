"""Event sources deliver to deployed functions, as AWS's services do; e-mail and SMS land in an outbox.

moto stores rules, subscriptions and bucket notifications but delivers little of it:

EventBridge schedules: moto has no scheduler. A background thread fires every enabled rule with
a ScheduleExpression on the default bus: `rate(N unit)` every N units from the moment the rule
is first seen (AWS: "a rate expression starts when you create the scheduled event rule"), and
`cron(minutes hours day-of-month month day-of-week year)` at the matching minutes, UTC, with
AWS's wildcards (, - * / everywhere; ? in day-of-month or day-of-week, exactly one of them;
L and W in day-of-month, L and # in day-of-week; day-of-week 1-7 = SUN-SAT). Each firing sends
the Scheduled Event (`detail-type: Scheduled Event`, `source: aws.events`, `resources: [rule
ARN]`, `detail: {}`, `time` the scheduled minute) to the rule's targets (events_targets.deliver:
Lambda asynchronously, Step Functions executions, the rest moto's). LOCALCLOUD_SCHEDULES=off
stops the thread. `POST /_localcloud/events/rules/<name>/fire` fires a rule now (local only;
`?bus=`, `?region=`, `?account=` narrow the search), `GET /_localcloud/events/schedules` lists
the schedules and their next firing.

EventBridge Lambda targets of event-pattern rules: see events_targets (it calls
deliver_to_function below).

SNS: a lambda subscription invokes the function asynchronously (invocation type Event) through
the local runtime with AWS's SNS event (Records[0].EventSource aws:sns, EventSubscriptionArn,
Sns{Type, MessageId, TopicArn, Subject, Message, Timestamp, SignatureVersion, Signature,
SigningCertUrl, UnsubscribeUrl, MessageAttributes}); moto's own sends a fixed sample event
(TopicArn "arn:aws:sns:EXAMPLE", a made-up MessageId) synchronously. The subscription's filter
policy and MessageStructure=json apply first, as moto does. Email, email-json and sms
subscriptions, and Publish with a PhoneNumber, are appended to $LOCALCLOUD_HOME/outbox/sns.jsonl
({time, topicArn, protocol, endpoint, subject, message, messageId}; email-json adds the JSON
body a recipient gets) and served by `GET /_localcloud/outbox/sns` (`?topicArn=`, `?protocol=`,
`?endpoint=` filter). moto keeps direct SMS publishes only (SNSBackend.sms_messages, still
filled) and nothing of e-mail; the outbox keeps both across the emulator's life.

S3 notifications to Lambda: moto invokes synchronously with a reduced record. Here the function
is invoked with the Event type and AWS's record: eventVersion, eventSource aws:s3, awsRegion,
eventTime, eventName (ObjectCreated:Put ...), userIdentity, requestParameters,
responseElements, s3{s3SchemaVersion, configurationId, bucket{name, ownerIdentity, arn},
object{key (URL-encoded), size, eTag, versionId (versioned buckets), sequencer}} (removals carry
no size or eTag). Prefix/suffix filters are moto's (filter names compared case-insensitively).

Every service delivery checks the function's resource-based policy first, as Lambda does for a
service principal: a statement allowing lambda:InvokeFunction to the service
(events/sns/s3.amazonaws.com) whose AWS:SourceArn / AWS:SourceAccount conditions hold.
Without one the delivery is refused and logged (LOCALCLOUD_IAM=off skips the check).
"""

import base64
import calendar
import datetime
import fnmatch
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, unquote_plus

import moto.events.models as events_models
import moto.events.notifications as events_notifications
import moto.s3.models as s3_models
import moto.s3.notifications as s3_notifications
import moto.sns.models as sns_models
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from . import events_targets, settings

# ---- schedule expressions -------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _aws_weekday(day: datetime.date) -> int:
    """1 = Sunday ... 7 = Saturday (AWS's day-of-week numbering)."""
    return (day.weekday() + 1) % 7 + 1


def _number(text: str, lo: int, hi: int, names: dict | None, field: str) -> int:
    value = names.get(text.upper()) if names else None
    if value is None:
        if not text.isdigit():
            raise ValueError(f"{field}: {text!r} is not a value")
        value = int(text)
    if not lo <= value <= hi:
        raise ValueError(f"{field}: {value} is outside {lo}-{hi}")
    return value


def _values(text: str, lo: int, hi: int, names: dict | None, field: str) -> frozenset:
    """A field's list of values, ranges and increments (`,` `-` `*` `/`)."""
    out: set = set()
    for part in text.split(","):
        if not part:
            raise ValueError(f"{field}: empty list item in {text!r}")
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ValueError(f"{field}: bad increment in {part!r}")
            step = int(step_text)
        if base == "*":
            start, end = lo, hi
        elif "-" in base:
            a, _, b = base.partition("-")
            start, end = _number(a, lo, hi, names, field), _number(b, lo, hi, names, field)
        else:
            start = _number(base, lo, hi, names, field)
            end = hi if step_text else start
        if start <= end:
            out.update(range(start, end + 1, step))
        else:  # a wrapping range such as FRI-MON or NOV-FEB
            span = list(range(start, hi + 1)) + list(range(lo, end + 1))
            out.update(span[::step])
    return frozenset(out)


class Rate:
    """rate(N minute|minutes|hour|hours|day|days): every N units from the anchor."""

    def __init__(self, expression: str):
        match = _RATE.match(expression.strip())
        if not match:
            raise ValueError(f"{expression!r} is not a rate expression")
        value, unit = int(match.group(1)), match.group(2)
        if value < 1:
            raise ValueError("rate: the value must be positive")
        self.period = value * _UNIT_SECONDS[unit.rstrip("s")]

    def next_after(self, after: datetime.datetime, anchor: datetime.datetime | None = None) -> datetime.datetime:
        anchor = anchor or after
        periods = int((after - anchor).total_seconds() // self.period) + 1
        return anchor + datetime.timedelta(seconds=periods * self.period)


class Cron:
    """cron(minutes hours day-of-month month day-of-week year), UTC, AWS's wildcards."""

    def __init__(self, expression: str):
        text = expression.strip()
        if not (text.startswith("cron(") and text.endswith(")")):
            raise ValueError(f"{expression!r} is not a cron expression")
        fields = text[5:-1].split()
        if len(fields) != 6:
            raise ValueError(f"cron needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}")
        minutes, hours, dom, month, dow, year = fields
        self.minutes = sorted(_values(minutes, 0, 59, None, "minutes"))
        self.hours = sorted(_values(hours, 0, 23, None, "hours"))
        self.months = _values(month, 1, 12, _MONTHS, "month")
        self.years = _values(year, 1970, 2199, None, "year")
        if (dom == "?") == (dow == "?"):
            raise ValueError("exactly one of day-of-month and day-of-week must be ?")
        self.dom = None if dom == "?" else self._day_of_month(dom)
        self.dow = None if dow == "?" else self._day_of_week(dow)

    @staticmethod
    def _day_of_month(text: str) -> tuple:
        if text == "L":
            return ("last", 0)
        if text == "LW":
            return ("last-weekday",)
        if re.fullmatch(r"L-\d+", text):
            return ("last", _number(text[2:], 0, 30, None, "day-of-month"))
        if re.fullmatch(r"\d+W", text):
            return ("nearest-weekday", _number(text[:-1], 1, 31, None, "day-of-month"))
        return ("days", _values(text, 1, 31, None, "day-of-month"))

    @staticmethod
    def _day_of_week(text: str) -> tuple:
        if text == "L":
            return ("days", frozenset({7}))
        if text.upper().endswith("L") and len(text) > 1:
            return ("last-of", _number(text[:-1], 1, 7, _DAYS, "day-of-week"))
        if "#" in text:
            day, _, nth = text.partition("#")
            return ("nth", _number(day, 1, 7, _DAYS, "day-of-week"), _number(nth, 1, 5, None, "day-of-week"))
        return ("days", _values(text, 1, 7, _DAYS, "day-of-week"))

    def day_matches(self, day: datetime.date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        if self.dom is not None:
            kind = self.dom[0]
            if kind == "days":
                return day.day in self.dom[1]
            if kind == "last":
                return day.day == last - self.dom[1]
            if kind == "last-weekday":
                target = last
                while datetime.date(day.year, day.month, target).weekday() >= 5:
                    target -= 1
                return day.day == target
            n = self.dom[1]  # nearest weekday to day n, within the month
            if n > last:
                return False
            weekday = datetime.date(day.year, day.month, n).weekday()
            if weekday == 5:
                target = n - 1 if n > 1 else n + 2
            elif weekday == 6:
                target = n + 1 if n < last else n - 2
            else:
                target = n
            return day.day == target
        assert self.dow is not None
        kind, weekday = self.dow[0], _aws_weekday(day)
        if kind == "days":
            return weekday in self.dow[1]
        if kind == "last-of":
            return weekday == self.dow[1] and day.day + 7 > last
        return weekday == self.dow[1] and (day.day - 1) // 7 + 1 == self.dow[2]

    def next_after(self, after: datetime.datetime, anchor: datetime.datetime | None = None) -> datetime.datetime | None:
        """The first matching minute strictly after `after` (UTC), or None when there is none."""
        t = after.astimezone(datetime.timezone.utc).replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
        day = t.date()
        first = True
        while day.year <= 2199:
            if day.year not in self.years:
                later = [y for y in self.years if y > day.year]
                if not later:
                    return None
                day, first = datetime.date(min(later), 1, 1), False
                continue
            if day.month not in self.months:
                day = datetime.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
                first = False
                continue
            if self.day_matches(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        if first and (hour, minute) < (t.hour, t.minute):
                            continue
                        return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=datetime.timezone.utc)
            day += datetime.timedelta(days=1)
            first = False
        return None


def parse_schedule(expression: str) -> Rate | Cron:
    """A rule's ScheduleExpression; ValueError when AWS would refuse it."""
    text = (expression or "").strip()
    if text.startswith("rate("):
        return Rate(text)
    if text.startswith("cron("):
        return Cron(text)
    raise ValueError(f"{expression!r} is neither rate(...) nor cron(...)")


# ---- delivering to functions ----------------------------------------------------------------


def _log(message: str) -> None:
    print(f"localcloud events: {message}", file=sys.stderr, flush=True)


def _iso_ms(moment: datetime.datetime | None = None) -> str:
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _condition_holds(operator: str, values: dict, context: dict) -> bool:
    for key, expected in values.items():
        actual = context.get(key.lower())
        wanted = expected if isinstance(expected, list) else [expected]
        if actual is None:
            return operator.endswith("IfExists")
        op = operator.replace("IfExists", "")
        if op in ("ArnLike", "StringLike"):
            ok = any(fnmatch.fnmatchcase(actual, str(w)) for w in wanted)
        elif op in ("ArnEquals", "StringEquals"):
            ok = actual in [str(w) for w in wanted]
        elif op in ("ArnNotLike", "StringNotLike"):
            ok = not any(fnmatch.fnmatchcase(actual, str(w)) for w in wanted)
        elif op in ("ArnNotEquals", "StringNotEquals"):
            ok = actual not in [str(w) for w in wanted]
        else:
            ok = True  # a condition on keys a service delivery does not set
        if not ok:
            return False
    return True


def policy_allows(statements: list, principal: str, source_arn: str | None, source_account: str | None) -> bool:
    """Whether a function's resource policy lets service `principal` invoke it for this source."""
    context = {"aws:sourcearn": source_arn, "aws:sourceaccount": source_account}
    allowed = False
    for statement in statements:
        who = statement.get("Principal")
        if who != "*":
            services = (who or {}).get("Service", []) if isinstance(who, dict) else []
            services = services if isinstance(services, list) else [services]
            aws = (who or {}).get("AWS") if isinstance(who, dict) else None
            if principal not in services and aws != "*":
                continue
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        if not any(fnmatch.fnmatchcase("lambda:InvokeFunction".lower(), str(a).lower()) for a in actions):
            continue
        conditions = statement.get("Condition") or {}
        if not all(_condition_holds(op, values, context) for op, values in conditions.items()):
            continue
        if statement.get("Effect", "Allow") == "Deny":
            return False
        allowed = True
    return allowed


def _function_statements(function_ref: str, account: str, region: str) -> list:
    from moto.awslambda.utils import get_backend

    fn = get_backend(account, region).get_function(function_ref)
    statements = list(getattr(getattr(fn, "policy", None), "statements", []) or [])
    base = get_backend(account, region).get_function(fn.function_name)
    if base is not fn:
        statements += list(getattr(getattr(base, "policy", None), "statements", []) or [])
    return statements


def deliver_to_function(
    function_ref: str, payload: bytes, principal: str, source_arn: str | None, source_account: str | None
) -> str:
    """An asynchronous (Event) invocation by an AWS service, as Lambda accepts it; the outcome as text."""
    from . import lambda_invoke

    parts = function_ref.split(":")
    account = parts[4] if len(parts) > 5 else (source_account or "123456789012")
    region = parts[3] if len(parts) > 5 else "us-east-1"
    if settings.IAM_ENFORCED:
        try:
            statements = _function_statements(function_ref, account, region)
        except Exception as error:
            _log(f"{principal} -> {function_ref}: {error!r}")
            return f"failed: {error}"
        if not policy_allows(statements, principal, source_arn, source_account):
            _log(f"{principal} may not invoke {function_ref} for {source_arn}: no resource policy statement allows it")
            return "refused: the function's resource policy does not allow it"
    result = lambda_invoke.invoke(function_ref, payload, account_id=account, region=region, invocation_type="Event")
    return f"accepted ({getattr(result, 'status', 202)})"


# ---- EventBridge schedules ------------------------------------------------------------------


def scheduled_event(rule: Any, moment: datetime.datetime) -> dict:
    """The event EventBridge sends a scheduled rule's targets."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account_id,
        "time": moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": rule.region_name,
        "resources": [rule.arn],
        "detail": {},
    }


def fire(rule: Any, moment: datetime.datetime | None = None) -> dict:
    """Sends the rule's Scheduled Event to its targets now; returns the event and the outcomes."""
    moment = moment or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    event = scheduled_event(rule, moment)
    # moto's own targets (queues, log groups) read `time` as epoch seconds.
    moto_event = dict(event, time=calendar.timegm(moment.utctimetuple()))
    outcomes = events_targets.deliver(rule, moto_event, transform_input=True)
    return {"rule": rule.arn, "event": event, "targets": [{"id": i, "outcome": o} for i, o in outcomes]}


def _scheduled_rules() -> list:
    found = []
    for account, by_region in list(events_models.events_backends.items()):
        for region, backend in list(by_region.items()):
            bus = backend.event_buses.get("default")
            for rule in list(bus.rules.values()) if bus else []:
                if rule.scheduled_expression:
                    found.append((account, region, rule))
    return found


class Scheduler:
    """Fires enabled scheduled rules when due; one tick a second."""

    def __init__(self) -> None:
        self.state: dict = {}  # (account, region, name) -> [expression, schedule, anchor, next due]
        self.lock = threading.Lock()

    def tick(self, now: datetime.datetime, fire_rule: Any = fire) -> list:
        fired = []
        seen = set()
        for account, region, rule in _scheduled_rules():
            key = (account, region, rule.name)
            seen.add(key)
            if not events_targets.is_enabled(rule):
                self.state.pop(key, None)  # re-enabled later: a rate restarts from then
                continue
            entry = self.state.get(key)
            if entry is None or entry[0] != rule.scheduled_expression:
                try:
                    schedule = parse_schedule(rule.scheduled_expression)
                except ValueError as error:
                    _log(f"rule {rule.arn}: {rule.scheduled_expression!r} never fires: {error}")
                    self.state[key] = [rule.scheduled_expression, None, now, None]
                    continue
                self.state[key] = [rule.scheduled_expression, schedule, now, schedule.next_after(now, now)]
                continue
            _, schedule, anchor, due = entry
            if due is not None and now >= due:
                try:
                    fire_rule(rule, due)
                except Exception as error:
                    _log(f"rule {rule.arn}: {error!r}")
                fired.append((rule.arn, due))
                entry[3] = schedule.next_after(now, anchor)
        for key in set(self.state) - seen:
            del self.state[key]
        return fired

    def describe(self) -> list:
        with self.lock:
            return [
                {
                    "account": k[0],
                    "region": k[1],
                    "rule": k[2],
                    "expression": v[0],
                    "next": v[3].strftime("%Y-%m-%dT%H:%M:%SZ") if v[3] else None,
                }
                for k, v in sorted(self.state.items())
            ]

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(1.0):
            try:
                with self.lock:
                    self.tick(datetime.datetime.now(datetime.timezone.utc))
            except RuntimeError:
                continue  # a backend changed while being read: the next tick sees it settled
            except Exception as error:
                _log(f"scheduler: {error!r}")


SCHEDULER = Scheduler()
_STOP = threading.Event()
if os.environ.get("LOCALCLOUD_SCHEDULES", "on") != "off":
    threading.Thread(target=SCHEDULER.run, args=(_STOP,), name="localcloud-schedules", daemon=True).start()

# ---- SNS ------------------------------------------------------------------------------------

OUTBOX_PROTOCOLS = ("email", "email-json", "sms")
_OUTBOX_LOCK = threading.Lock()


def outbox_path() -> Path:
    return settings.HOME / "outbox" / "sns.jsonl"


def outbox_append(record: dict) -> None:
    path = outbox_path()
    with _OUTBOX_LOCK:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, separators=(",", ":")) + "\n")


def outbox_read(filters: dict | None = None) -> list:
    path = outbox_path()
    if not path.exists():
        return []
    with _OUTBOX_LOCK:
        lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    for key, value in (filters or {}).items():
        records = [r for r in records if r.get(key) == value]
    return records


def _signing_cert_url(region: str) -> str:
    return f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{uuid.uuid4().hex}.pem"


def _fake_signature() -> str:
    return base64.b64encode(secrets.token_bytes(256)).decode()


def sns_lambda_event(
    subscription_arn: str,
    topic_arn: str,
    message_id: str,
    message: str,
    subject: str | None,
    message_attributes: dict | None,
    timestamp: str,
) -> dict:
    """The event Lambda gets from an SNS subscription (one record per message)."""
    region = topic_arn.split(":")[3]
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": timestamp,
                    "SignatureVersion": "1",
                    "Signature": _fake_signature(),
                    "SigningCertUrl": _signing_cert_url(region),
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
                    "MessageAttributes": message_attributes or {},
                },
            }
        ]
    }


def sns_json_body(
    subscription_arn: str, topic_arn: str, message_id: str, message: str, subject: str | None, timestamp: str
) -> dict:
    """The JSON notification an email-json (or HTTP) endpoint receives."""
    region = topic_arn.split(":")[3]
    body = {"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn}
    if subject is not None:
        body["Subject"] = subject
    body.update(
        {
            "Message": message,
            "Timestamp": timestamp,
            "SignatureVersion": "1",
            "Signature": _fake_signature(),
            "SigningCertURL": _signing_cert_url(region),
            "UnsubscribeURL": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
        }
    )
    return body


_moto_subscription_publish = sns_models.Subscription.publish


def _subscription_publish(  # type: ignore[no-untyped-def]
    self,
    message,
    message_id,
    subject=None,
    message_attributes=None,
    group_id=None,
    deduplication_id=None,
    message_structure=None,
):
    if self.protocol != "lambda" and self.protocol not in OUTBOX_PROTOCOLS:
        return _moto_subscription_publish(
            self,
            message,
            message_id,
            subject=subject,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
            message_structure=message_structure,
        )
    if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(message_attributes, message):
        return None
    if message_structure == "json":
        message = self._parse_message_structure(message, self.protocol)
    timestamp = _iso_ms()
    if self.protocol == "lambda":
        event = sns_lambda_event(self.arn, self.topic.arn, message_id, message, subject, message_attributes, timestamp)
        try:
            outcome = deliver_to_function(
                self.endpoint,
                json.dumps(event).encode(),
                principal="sns.amazonaws.com",
                source_arn=self.topic.arn,
                source_account=self.topic.account_id,
            )
        except Exception as error:  # delivery is asynchronous: Publish succeeds regardless
            outcome = f"failed: {error!r}"
        if not outcome.startswith("accepted"):
            _log(f"SNS {self.arn} -> {self.endpoint}: {outcome}")
        return None
    record = {
        "time": timestamp,
        "topicArn": self.topic.arn,
        "protocol": self.protocol,
        "endpoint": self.endpoint,
        "subject": subject,
        "message": message,
        "messageId": message_id,
        "subscriptionArn": self.arn,
    }
    if self.protocol == "email-json":
        record["body"] = json.dumps(sns_json_body(self.arn, self.topic.arn, message_id, message, subject, timestamp))
    outbox_append(record)
    return None


sns_models.Subscription.publish = _subscription_publish  # type: ignore[method-assign]

_moto_backend_publish = sns_models.SNSBackend.publish


def _backend_publish(self, message, arn=None, phone_number=None, subject=None, **kwargs):  # type: ignore[no-untyped-def]
    message_id = _moto_backend_publish(self, message, arn, phone_number=phone_number, subject=subject, **kwargs)
    if phone_number:
        outbox_append(
            {
                "time": _iso_ms(),
                "topicArn": None,
                "protocol": "sms",
                "endpoint": phone_number,
                "subject": subject,
                "message": message,
                "messageId": message_id,
            }
        )
    return message_id


sns_models.SNSBackend.publish = _backend_publish  # type: ignore[method-assign]

# ---- S3 notifications -----------------------------------------------------------------------

_moto_get_s3_event = s3_notifications._get_s3_event


def _sequencer() -> str:
    return f"{time.time_ns():018X}"[-18:]


def s3_record(moto_record: dict, bucket_owner: str, version_id: str | None, key_name: str | None = None) -> dict:
    """moto's record completed to AWS's documented shape (and key order).

    The key is URL-encoded as S3 does it (spaces as +, / kept); moto's encodes / as %2F too.
    """
    s3 = moto_record["s3"]
    obj = dict(s3["object"])
    obj["key"] = quote_plus(key_name if key_name is not None else unquote_plus(obj["key"]), safe="/")
    if moto_record["eventName"].startswith("ObjectRemoved"):
        obj.pop("size", None)
        obj.pop("eTag", None)
    if version_id and version_id != "null":
        obj["versionId"] = version_id
    obj["sequencer"] = _sequencer()
    return {
        "eventVersion": moto_record["eventVersion"],
        "eventSource": "aws:s3",
        "awsRegion": moto_record["awsRegion"],
        "eventTime": moto_record["eventTime"],
        "eventName": moto_record["eventName"],
        "userIdentity": {"principalId": f"AWS:{bucket_owner}"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": secrets.token_hex(8).upper(),
            "x-amz-id-2": base64.b64encode(secrets.token_bytes(48)).decode(),
        },
        "s3": {
            "s3SchemaVersion": s3["s3SchemaVersion"],
            "configurationId": s3["configurationId"],
            "bucket": {
                "name": s3["bucket"]["name"],
                "ownerIdentity": {"principalId": bucket_owner},
                "arn": s3["bucket"]["arn"],
            },
            "object": obj,
        },
    }


def _get_s3_event(event_name, bucket, key, notification_id):  # type: ignore[no-untyped-def]
    event = _moto_get_s3_event(event_name, bucket, key, notification_id)
    event["Records"] = [
        s3_record(r, getattr(bucket, "account_id", "123456789012"), getattr(key, "version_id", None), key.name)
        for r in event["Records"]
    ]
    return event


s3_notifications._get_s3_event = _get_s3_event


def _invoke_awslambda(account_id, event_body, fn_arn, region_name):  # type: ignore[no-untyped-def]
    try:
        bucket_arn = event_body["Records"][0]["s3"]["bucket"]["arn"]
        outcome = deliver_to_function(
            fn_arn, json.dumps(event_body).encode(), principal="s3.amazonaws.com", source_arn=bucket_arn,
            source_account=account_id,
        )
        if not outcome.startswith("accepted"):
            _log(f"S3 {bucket_arn} -> {fn_arn}: {outcome}")
    except Exception as error:  # asynchronous on AWS: the PutObject succeeds regardless
        _log(f"S3 -> {fn_arn}: {error!r}")


s3_notifications._invoke_awslambda = _invoke_awslambda

def _key_matches(self, key_name: str) -> bool:  # type: ignore[no-untyped-def]
    if "S3Key" not in self.filters:
        return True
    rules = {str(f["Name"]).lower(): f["Value"] for f in self.filters["S3Key"]["FilterRule"]}
    return key_name.startswith(rules.get("prefix", "")) and key_name.endswith(rules.get("suffix", ""))


s3_models.Notification._key_matches = _key_matches  # type: ignore[method-assign]


def _events_invoke_lambda(account_id: str, fn_arn: str, event: Any) -> None:
    # moto's CloudTrail-style S3 events (CreateBucket) to a rule's Lambda target.
    try:
        deliver_to_function(fn_arn, json.dumps(event).encode(), "events.amazonaws.com", None, account_id)
    except Exception as error:
        _log(f"-> {fn_arn}: {error!r}")


events_notifications._invoke_lambda = _events_invoke_lambda

# ---- local endpoints ------------------------------------------------------------------------

_FIRE = re.compile(r"^/_localcloud/events/rules/([A-Za-z0-9._-]{1,64})/fire/?$")


def _json_response(start_response: Any, status: str, body: Any) -> list:
    data = json.dumps(body, indent=2).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _query(environ: dict) -> dict:
    return {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _fire_endpoint(name: str, query: dict, start_response: Any) -> list:
    bus_name = query.get("bus", "default")
    matches = []
    for account, by_region in list(events_models.events_backends.items()):
        if query.get("account") not in (None, account):
            continue
        for region, backend in list(by_region.items()):
            if query.get("region") not in (None, region):
                continue
            bus = backend.event_buses.get(bus_name)
            if bus and name in bus.rules:
                matches.append(bus.rules[name])
    if not matches:
        return _json_response(start_response, "404 Not Found", {"message": f"no rule {name} on bus {bus_name}"})
    if len(matches) > 1:
        return _json_response(
            start_response,
            "409 Conflict",
            {"message": "several rules have this name; add ?region= or ?account=", "rules": [r.arn for r in matches]},
        )
    rule = matches[0]
    if not rule.scheduled_expression:
        return _json_response(
            start_response, "400 Bad Request", {"message": f"{rule.arn} has no schedule: put events to fire it"}
        )
    if not events_targets.is_enabled(rule):
        return _json_response(start_response, "409 Conflict", {"message": f"{rule.arn} is disabled"})
    return _json_response(start_response, "200 OK", fire(rule))


def handle_local(environ: dict, start_response: Any) -> list | None:
    """The /_localcloud/ endpoints of this module, or None for any other request."""
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "GET")
    if not path.startswith("/_localcloud/"):
        return None
    match = _FIRE.match(path)
    if match and method == "POST":
        return _fire_endpoint(match.group(1), _query(environ), start_response)
    if path.rstrip("/") == "/_localcloud/events/schedules" and method == "GET":
        return _json_response(start_response, "200 OK", {"schedules": SCHEDULER.describe()})
    if path.rstrip("/") == "/_localcloud/outbox/sns" and method == "GET":
        filters = {k: v for k, v in _query(environ).items() if k in ("topicArn", "protocol", "endpoint")}
        return _json_response(start_response, "200 OK", {"messages": outbox_read(filters)})
    return None


_moto_call = DomainDispatcherApplication.__call__


def _call(self: Any, environ: dict, start_response: Any) -> Any:
    answer = handle_local(environ, start_response)
    if answer is not None:
        return answer
    return _moto_call(self, environ, start_response)


DomainDispatcherApplication.__call__ = _call  # type: ignore[method-assign]
