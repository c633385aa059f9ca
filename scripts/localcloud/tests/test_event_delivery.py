"""event_delivery: schedule expressions, the scheduler's firing, event shapes, the resource-policy check."""

import datetime
import json
import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

os.environ.setdefault("LOCALCLOUD_SCHEDULES", "off")  # no background thread in unit tests

from localcloud import event_delivery as ed  # noqa: E402

UTC = datetime.timezone.utc


def at(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def fires(expression: str, start: str, count: int) -> list:
    schedule = ed.parse_schedule(expression)
    out, moment = [], at(start)
    for _ in range(count):
        moment = schedule.next_after(moment, at(start))
        if moment is None:
            break
        out.append(moment.strftime("%Y-%m-%d %H:%M %a"))
    return out


class CronTest(unittest.TestCase):
    def test_every_day_at_a_time(self) -> None:
        self.assertEqual(
            fires("cron(0 12 * * ? *)", "2026-03-01 11:00", 3),
            ["2026-03-01 12:00 Sun", "2026-03-02 12:00 Mon", "2026-03-03 12:00 Tue"],
        )

    def test_strictly_after(self) -> None:
        self.assertEqual(fires("cron(0 12 * * ? *)", "2026-03-01 12:00", 1), ["2026-03-02 12:00 Mon"])

    def test_increments_lists_and_ranges(self) -> None:
        self.assertEqual(
            fires("cron(0/15 8-9 * * ? *)", "2026-03-02 08:50", 4),
            ["2026-03-02 09:00 Mon", "2026-03-02 09:15 Mon", "2026-03-02 09:30 Mon", "2026-03-02 09:45 Mon"],
        )
        self.assertEqual(fires("cron(5,10 0 * * ? *)", "2026-03-02 00:06", 2), ["2026-03-02 00:10 Mon", "2026-03-03 00:05 Tue"])
        self.assertEqual(fires("cron(*/20 0 * * ? *)", "2026-03-02 00:00", 2), ["2026-03-02 00:20 Mon", "2026-03-02 00:40 Mon"])

    def test_weekdays_by_name_sunday_is_one(self) -> None:
        # 2026-03-06 is a Friday
        self.assertEqual(
            fires("cron(0 9 ? * MON-FRI *)", "2026-03-06 10:00", 2), ["2026-03-09 09:00 Mon", "2026-03-10 09:00 Tue"]
        )
        self.assertEqual(fires("cron(0 9 ? * 1 *)", "2026-03-06 10:00", 1), ["2026-03-08 09:00 Sun"])
        self.assertEqual(fires("cron(0 9 ? * 7 *)", "2026-03-06 10:00", 1), ["2026-03-07 09:00 Sat"])
        self.assertEqual(fires("cron(0 9 ? * FRI-MON *)", "2026-03-06 10:00", 3), ["2026-03-07 09:00 Sat", "2026-03-08 09:00 Sun", "2026-03-09 09:00 Mon"])

    def test_last_day_of_month(self) -> None:
        self.assertEqual(
            fires("cron(0 23 L * ? *)", "2028-01-15 00:00", 3),
            ["2028-01-31 23:00 Mon", "2028-02-29 23:00 Tue", "2028-03-31 23:00 Fri"],
        )

    def test_last_weekday_and_nearest_weekday(self) -> None:
        # 2026-05-31 is a Sunday: the last weekday is Friday the 29th
        self.assertEqual(fires("cron(0 0 LW * ? *)", "2026-05-01 00:00", 1), ["2026-05-29 00:00 Fri"])
        # 2026-08-15 is a Saturday -> Friday the 14th; 2026-11-15 a Sunday -> Monday the 16th
        self.assertEqual(fires("cron(0 0 15W 8 ? *)", "2026-01-01 00:00", 1), ["2026-08-14 00:00 Fri"])
        self.assertEqual(fires("cron(0 0 15W 11 ? *)", "2026-01-01 00:00", 1), ["2026-11-16 00:00 Mon"])
        # 1W on a Saturday stays in the month: Monday the 3rd (2026-08-01 is a Saturday)
        self.assertEqual(fires("cron(0 0 1W 8 ? *)", "2026-01-01 00:00", 1), ["2026-08-03 00:00 Mon"])

    def test_nth_and_last_weekday_of_month(self) -> None:
        # the second Tuesday (3#2) and the last Friday (6L)
        self.assertEqual(fires("cron(0 10 ? * 3#2 *)", "2026-03-01 00:00", 2), ["2026-03-10 10:00 Tue", "2026-04-14 10:00 Tue"])
        self.assertEqual(fires("cron(15 10 ? * 6L *)", "2026-03-01 00:00", 2), ["2026-03-27 10:15 Fri", "2026-04-24 10:15 Fri"])

    def test_years_and_months(self) -> None:
        self.assertEqual(fires("cron(0 0 1 1 ? 2030)", "2026-06-01 00:00", 2), ["2030-01-01 00:00 Tue"])
        self.assertEqual(fires("cron(0 0 1 JAN,JUL ? *)", "2026-02-01 00:00", 2), ["2026-07-01 00:00 Wed", "2027-01-01 00:00 Fri"])
        self.assertEqual(fires("cron(0 0 29 2 ? *)", "2026-01-01 00:00", 1), ["2028-02-29 00:00 Tue"])
        self.assertEqual(fires("cron(0 0 1 1 ? 2020)", "2026-01-01 00:00", 1), [])

    def test_invalid_expressions(self) -> None:
        for expression in [
            "cron(0 12 * * * *)",  # day-of-month and day-of-week both given
            "cron(0 12 ? * ? *)",  # both ?
            "cron(0 12 * *)",  # too few fields
            "cron(60 12 * * ? *)",
            "cron(0 24 * * ? *)",
            "cron(0 0 32 * ? *)",
            "cron(0 0 ? * 8 *)",
            "cron(0 0 1 13 ? *)",
            "cron(0 0 1 * ? 2200)",
            "cron(0/0 0 * * ? *)",
            "cron(x 0 * * ? *)",
            "rate(0 minutes)",
            "rate(5 weeks)",
            "every(5 minutes)",
        ]:
            with self.subTest(expression=expression), self.assertRaises(ValueError):
                ed.parse_schedule(expression)


class RateTest(unittest.TestCase):
    def test_rate_runs_from_its_anchor(self) -> None:
        schedule = ed.parse_schedule("rate(5 minutes)")
        anchor = datetime.datetime(2026, 3, 1, 10, 0, 30, tzinfo=UTC)
        self.assertEqual(schedule.next_after(anchor, anchor), anchor + datetime.timedelta(minutes=5))
        later = anchor + datetime.timedelta(minutes=12)
        self.assertEqual(schedule.next_after(later, anchor), anchor + datetime.timedelta(minutes=15))

    def test_units(self) -> None:
        self.assertEqual(ed.parse_schedule("rate(1 minute)").period, 60)
        self.assertEqual(ed.parse_schedule("rate(2 hours)").period, 7200)
        self.assertEqual(ed.parse_schedule("rate(1 day)").period, 86400)


class FakeRule:
    def __init__(self, name: str, expression: str, state: str = "ENABLED") -> None:
        self.name = name
        self.scheduled_expression = expression
        self.state = state
        self.account_id = "123456789012"
        self.region_name = "us-east-1"
        self.arn = f"arn:aws:events:us-east-1:123456789012:rule/{name}"


class SchedulerTest(unittest.TestCase):
    def run_ticks(self, rules: list, start: datetime.datetime, seconds: int) -> list:
        scheduler = ed.Scheduler()
        fired: list = []
        with mock.patch.object(ed, "_scheduled_rules", lambda: [("123456789012", "us-east-1", r) for r in rules]):
            for s in range(0, seconds + 1):
                scheduler.tick(start + datetime.timedelta(seconds=s), fire_rule=lambda r, due: fired.append((r.name, due)))
        return fired

    def test_rate_fires_each_period_from_first_sight(self) -> None:
        start = datetime.datetime(2026, 3, 1, 10, 0, 20, tzinfo=UTC)
        fired = self.run_ticks([FakeRule("tick", "rate(1 minute)")], start, 185)
        self.assertEqual([due for _, due in fired], [start + datetime.timedelta(minutes=m) for m in (1, 2, 3)])

    def test_cron_fires_on_the_minute_and_disabled_rules_never(self) -> None:
        start = datetime.datetime(2026, 3, 1, 10, 58, 30, tzinfo=UTC)
        rules = [FakeRule("hourly", "cron(0 * * * ? *)"), FakeRule("off", "rate(1 minute)", state="DISABLED")]
        fired = self.run_ticks(rules, start, 150)
        self.assertEqual(fired, [("hourly", datetime.datetime(2026, 3, 1, 11, 0, tzinfo=UTC))])

    def test_an_invalid_expression_never_fires(self) -> None:
        start = datetime.datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)
        self.assertEqual(self.run_ticks([FakeRule("bad", "cron(0 0 * * * *)")], start, 120), [])


class ShapesTest(unittest.TestCase):
    def test_scheduled_event(self) -> None:
        rule = FakeRule("nightly", "cron(0 0 * * ? *)")
        event = ed.scheduled_event(rule, datetime.datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
        self.assertEqual(
            {k: v for k, v in event.items() if k != "id"},
            {
                "version": "0",
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": "123456789012",
                "time": "2026-03-01T00:00:00Z",
                "region": "us-east-1",
                "resources": [rule.arn],
                "detail": {},
            },
        )
        self.assertRegex(event["id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

    def test_sns_lambda_event(self) -> None:
        topic = "arn:aws:sns:eu-west-1:123456789012:alerts"
        event = ed.sns_lambda_event(
            f"{topic}:abc", topic, "m-1", "hello", None, {"k": {"Type": "String", "Value": "v"}}, "2026-03-01T00:00:00.000Z"
        )
        record = event["Records"][0]
        self.assertEqual(record["EventSource"], "aws:sns")
        self.assertEqual(record["EventVersion"], "1.0")
        self.assertEqual(record["EventSubscriptionArn"], f"{topic}:abc")
        sns = record["Sns"]
        self.assertEqual(
            {k: sns[k] for k in ("Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "MessageAttributes")},
            {
                "Type": "Notification",
                "MessageId": "m-1",
                "TopicArn": topic,
                "Subject": None,
                "Message": "hello",
                "Timestamp": "2026-03-01T00:00:00.000Z",
                "MessageAttributes": {"k": {"Type": "String", "Value": "v"}},
            },
        )
        self.assertTrue(sns["SigningCertUrl"].startswith("https://sns.eu-west-1.amazonaws.com/"))
        self.assertIn(f"SubscriptionArn={topic}:abc", sns["UnsubscribeUrl"])

    def test_s3_record_completes_moto_record(self) -> None:
        moto_record = {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "us-east-1",
            "eventTime": "2026-03-01T00:00:00.000Z",
            "eventName": "ObjectCreated:Put",
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "cfg",
                "bucket": {"name": "b", "arn": "arn:aws:s3:::b"},
                "object": {"key": "in%2Fa+b.csv", "size": 3, "eTag": "e"},
            },
        }
        record = ed.s3_record(moto_record, "123456789012", "null")
        self.assertEqual(
            list(record),
            ["eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity", "requestParameters", "responseElements", "s3"],
        )
        self.assertEqual(record["s3"]["bucket"]["ownerIdentity"], {"principalId": "123456789012"})
        self.assertEqual(set(record["responseElements"]), {"x-amz-request-id", "x-amz-id-2"})
        obj = record["s3"]["object"]
        self.assertEqual((obj["key"], obj["size"], obj["eTag"]), ("in/a+b.csv", 3, "e"))
        self.assertEqual(ed.s3_record(moto_record, "1", None, "in/a b=c.csv")["s3"]["object"]["key"], "in/a+b%3Dc.csv")
        self.assertRegex(obj["sequencer"], r"^[0-9A-F]{18}$")
        self.assertNotIn("versionId", obj)
        versioned = ed.s3_record(moto_record, "123456789012", "v1")["s3"]["object"]
        self.assertEqual(versioned["versionId"], "v1")
        removed = ed.s3_record(dict(moto_record, eventName="ObjectRemoved:Delete"), "123456789012", None)["s3"]["object"]
        self.assertNotIn("size", removed)
        self.assertNotIn("eTag", removed)


class PolicyTest(unittest.TestCase):
    RULE = "arn:aws:events:us-east-1:123456789012:rule/nightly"

    def statement(self, **condition: dict) -> dict:
        return {
            "Sid": "s",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
            **({"Condition": condition} if condition else {}),
        }

    def test_service_and_source_must_match(self) -> None:
        allow = self.statement(ArnLike={"AWS:SourceArn": self.RULE})
        self.assertTrue(ed.policy_allows([allow], "events.amazonaws.com", self.RULE, "123456789012"))
        self.assertFalse(ed.policy_allows([allow], "events.amazonaws.com", self.RULE + "-other", "123456789012"))
        self.assertFalse(ed.policy_allows([allow], "sns.amazonaws.com", self.RULE, "123456789012"))
        self.assertFalse(ed.policy_allows([], "events.amazonaws.com", self.RULE, "123456789012"))

    def test_wildcards_accounts_and_deny(self) -> None:
        wildcard = self.statement(ArnLike={"AWS:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/*"})
        self.assertTrue(ed.policy_allows([wildcard], "events.amazonaws.com", self.RULE, "123456789012"))
        account = self.statement(StringEquals={"AWS:SourceAccount": "111111111111"})
        self.assertFalse(ed.policy_allows([account], "events.amazonaws.com", self.RULE, "123456789012"))
        deny = dict(self.statement(), Effect="Deny")
        self.assertFalse(ed.policy_allows([self.statement(), deny], "events.amazonaws.com", self.RULE, "123456789012"))
        other_action = dict(self.statement(), Action="lambda:GetFunction")
        self.assertFalse(ed.policy_allows([other_action], "events.amazonaws.com", self.RULE, "123456789012"))
        self.assertTrue(ed.policy_allows([dict(self.statement(), Action="lambda:*")], "events.amazonaws.com", self.RULE, None))


class OutboxTest(unittest.TestCase):
    def test_append_and_filter(self) -> None:
        with tempfile.TemporaryDirectory() as home, mock.patch.object(ed.settings, "HOME", Path(home)):
            ed.outbox_append({"topicArn": "t1", "protocol": "email", "message": "a"})
            ed.outbox_append({"topicArn": "t2", "protocol": "sms", "message": "b"})
            self.assertEqual([r["message"] for r in ed.outbox_read()], ["a", "b"])
            self.assertEqual(ed.outbox_read({"protocol": "sms"}), [{"topicArn": "t2", "protocol": "sms", "message": "b"}])
            lines = (Path(home) / "outbox" / "sns.jsonl").read_text().splitlines()
            self.assertEqual(json.loads(lines[0])["topicArn"], "t1")


if __name__ == "__main__":
    unittest.main()
