"""IAM enforcement's pure parts: the policy evaluator, SigV4 verification, resources, error shapes.

The server-side behaviour (admin principal, assumed roles, every service's answer) is tested
against the running emulator in __tests__/platform/handlers/localcloud-iam.test.ts.
"""

import json
import unittest
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from localcloud import iam_enforcement as iam

ACCOUNT = "123456789012"
TABLE_A = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/A"
TABLE_B = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/B"


def policy(*statements: dict, version: str = "2012-10-17") -> dict:
    return {"Version": version, "Statement": list(statements)}


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def effect(policies, action, resource, context=None) -> str:
    return iam.evaluate(policies, action, resource, context or {}).effect


class Wildcards(unittest.TestCase):
    def test_actions_match_case_insensitively(self):
        self.assertEqual(effect([policy(allow("DynamoDB:getitem", TABLE_A))], "dynamodb:GetItem", TABLE_A), iam.ALLOW)
        self.assertEqual(effect([policy(allow("dynamodb:GetItem", TABLE_A))], "DYNAMODB:GETITEM", TABLE_A), iam.ALLOW)

    def test_resources_match_case_sensitively(self):
        self.assertEqual(effect([policy(allow("dynamodb:GetItem", TABLE_A.lower()))], "dynamodb:GetItem", TABLE_A), iam.IMPLICIT_DENY)

    def test_question_mark_matches_exactly_one_character(self):
        document = policy(allow("dynamodb:?etItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/?"))
        self.assertEqual(effect([document], "dynamodb:GetItem", TABLE_A), iam.ALLOW)
        self.assertEqual(effect([document], "dynamodb:GetItem", TABLE_A + "A"), iam.IMPLICIT_DENY)
        self.assertEqual(effect([document], "dynamodb:BatchGetItem", TABLE_A), iam.IMPLICIT_DENY)

    def test_star_spans_colons_and_dots_are_literal(self):
        logs = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f:*"
        document = policy(allow("logs:PutLogEvents", logs))
        self.assertEqual(effect([document], "logs:PutLogEvents", logs[:-1] + "log-stream:2024/01/01/[$LATEST]abc"), iam.ALLOW)
        self.assertFalse(iam.glob_match("a.c", "abc"))
        self.assertTrue(iam.glob_match("a.c", "a.c"))

    def test_policy_variables_resolve_and_missing_ones_do_not_match(self):
        document = policy(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"))
        self.assertEqual(effect([document], "s3:GetObject", "arn:aws:s3:::home/ada/x", {"aws:username": ["ada"]}), iam.ALLOW)
        self.assertEqual(effect([document], "s3:GetObject", "arn:aws:s3:::home/bob/x", {"aws:username": ["ada"]}), iam.IMPLICIT_DENY)
        self.assertEqual(effect([document], "s3:GetObject", "arn:aws:s3:::home/ada/x", {}), iam.IMPLICIT_DENY)
        literal = policy(allow("s3:GetObject", "arn:aws:s3:::b/${*}"))
        self.assertEqual(effect([literal], "s3:GetObject", "arn:aws:s3:::b/*"), iam.ALLOW)
        self.assertEqual(effect([literal], "s3:GetObject", "arn:aws:s3:::b/x"), iam.IMPLICIT_DENY)

    def test_variables_are_literal_text_in_a_2008_policy(self):
        document = policy(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}"), version="2008-10-17")
        self.assertEqual(effect([document], "s3:GetObject", "arn:aws:s3:::home/${aws:username}", {"aws:username": ["ada"]}), iam.ALLOW)
        self.assertEqual(effect([document], "s3:GetObject", "arn:aws:s3:::home/ada", {"aws:username": ["ada"]}), iam.IMPLICIT_DENY)


class Evaluation(unittest.TestCase):
    def test_explicit_deny_wins_over_any_allow(self):
        policies = [policy(allow("dynamodb:*")), policy(deny("dynamodb:PutItem", TABLE_B))]
        self.assertEqual(effect(policies, "dynamodb:PutItem", TABLE_B), iam.DENY)
        self.assertEqual(effect(policies, "dynamodb:PutItem", TABLE_A), iam.ALLOW)

    def test_nothing_allowing_is_the_implicit_deny(self):
        self.assertEqual(effect([policy(allow("dynamodb:GetItem", TABLE_A))], "dynamodb:PutItem", TABLE_A), iam.IMPLICIT_DENY)
        self.assertEqual(effect([], "dynamodb:GetItem", TABLE_A), iam.IMPLICIT_DENY)

    def test_a_single_statement_object_and_string_documents(self):
        document = {"Version": "2012-10-17", "Statement": allow("sqs:SendMessage")}
        self.assertEqual(effect([json.dumps(document)], "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"), iam.ALLOW)

    def test_allow_with_not_resource_allows_everything_but_the_listed(self):
        document = policy({"Effect": "Allow", "Action": "dynamodb:Scan", "NotResource": TABLE_A})
        self.assertEqual(effect([document], "dynamodb:Scan", TABLE_B), iam.ALLOW)
        self.assertEqual(effect([document], "dynamodb:Scan", TABLE_A), iam.IMPLICIT_DENY)

    def test_deny_with_not_resource_denies_everything_but_the_listed(self):
        policies = [policy(allow("dynamodb:*"), {"Effect": "Deny", "Action": "dynamodb:*", "NotResource": [TABLE_A]})]
        self.assertEqual(effect(policies, "dynamodb:GetItem", TABLE_A), iam.ALLOW)
        self.assertEqual(effect(policies, "dynamodb:GetItem", TABLE_B), iam.DENY)

    def test_not_action(self):
        policies = [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
        self.assertEqual(effect(policies, "s3:GetObject", "arn:aws:s3:::b/k"), iam.ALLOW)
        self.assertEqual(effect(policies, "IAM:CreateUser", "*"), iam.IMPLICIT_DENY)

    def test_an_allow_whose_condition_fails_is_not_a_deny(self):
        failing = allow("dynamodb:GetItem", TABLE_A, Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
        context = {"aws:requestedregion": ["us-east-1"]}
        self.assertEqual(effect([policy(failing)], "dynamodb:GetItem", TABLE_A, context), iam.IMPLICIT_DENY)
        self.assertEqual(effect([policy(failing), policy(allow("dynamodb:GetItem"))], "dynamodb:GetItem", TABLE_A, context), iam.ALLOW)

    def test_a_deny_whose_condition_fails_does_not_deny(self):
        policies = [policy(allow("s3:*"), deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}))]
        self.assertEqual(effect(policies, "s3:GetObject", "arn:aws:s3:::b/k", {"aws:securetransport": ["true"]}), iam.ALLOW)
        self.assertEqual(effect(policies, "s3:GetObject", "arn:aws:s3:::b/k", {"aws:securetransport": ["false"]}), iam.DENY)


class Conditions(unittest.TestCase):
    def match(self, operator, key, values, context) -> bool:
        return iam.condition_matches(operator, key, values, context)

    def test_a_missing_key_fails_positive_operators(self):
        self.assertFalse(self.match("StringEquals", "aws:PrincipalTag/team", "data", {}))
        self.assertFalse(self.match("StringLike", "s3:prefix", "home/*", {}))
        self.assertFalse(self.match("ArnLike", "aws:SourceArn", "arn:aws:*", {}))
        self.assertFalse(self.match("ForAnyValue:StringEquals", "aws:TagKeys", "a", {}))

    def test_a_missing_key_satisfies_negated_operators_ifexists_and_forallvalues(self):
        self.assertTrue(self.match("StringNotEquals", "aws:PrincipalTag/team", "data", {}))
        self.assertTrue(self.match("StringEqualsIfExists", "aws:PrincipalTag/team", "data", {}))
        self.assertTrue(self.match("ForAllValues:StringEquals", "aws:TagKeys", "a", {}))

    def test_ifexists_still_compares_a_present_key(self):
        self.assertFalse(self.match("StringEqualsIfExists", "aws:PrincipalTag/team", "data", {"aws:principaltag/team": ["web"]}))

    def test_keys_are_case_insensitive_values_are_not_for_string_equals(self):
        context = {"aws:requestedregion": ["us-east-1"]}
        self.assertTrue(self.match("StringEquals", "AWS:RequestedRegion", ["eu-west-1", "us-east-1"], context))
        self.assertFalse(self.match("StringEquals", "aws:requestedregion", "US-EAST-1", context))
        self.assertTrue(self.match("StringEqualsIgnoreCase", "aws:requestedregion", "US-EAST-1", context))

    def test_string_like(self):
        context = {"s3:prefix": ["reports/2024/"]}
        self.assertTrue(self.match("StringLike", "s3:prefix", ["reports/*"], context))
        self.assertFalse(self.match("StringLike", "s3:prefix", ["uploads/*"], context))
        self.assertTrue(self.match("StringNotLike", "s3:prefix", ["uploads/*"], context))

    def test_arn_like_matches_each_part_on_its_own(self):
        arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
        context = {"aws:sourcearn": [arn]}
        self.assertTrue(self.match("ArnLike", "aws:SourceArn", "arn:aws:lambda:*:*:function:*", context))
        self.assertTrue(self.match("ArnEquals", "aws:SourceArn", arn, context))
        self.assertFalse(self.match("ArnLike", "aws:SourceArn", "arn:aws:*:function:f", context))
        self.assertTrue(self.match("ArnNotLike", "aws:SourceArn", "arn:aws:sqs:*:*:*", context))

    def test_bool_numeric_date_ip_null(self):
        self.assertTrue(self.match("Bool", "aws:SecureTransport", True, {"aws:securetransport": ["true"]}))
        self.assertFalse(self.match("Bool", "aws:SecureTransport", "false", {"aws:securetransport": ["true"]}))
        self.assertTrue(self.match("NumericLessThanEquals", "s3:max-keys", "10", {"s3:max-keys": ["10"]}))
        self.assertFalse(self.match("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": ["10"]}))
        self.assertTrue(self.match("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", {"aws:currenttime": ["2024-05-01T00:00:00Z"]}))
        self.assertFalse(self.match("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", {"aws:currenttime": ["2024-05-01T00:00:00Z"]}))
        self.assertTrue(self.match("IpAddress", "aws:SourceIp", "127.0.0.0/8", {"aws:sourceip": ["127.0.0.1"]}))
        self.assertTrue(self.match("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:sourceip": ["127.0.0.1"]}))
        self.assertTrue(self.match("Null", "aws:TokenIssueTime", "true", {}))
        self.assertFalse(self.match("Null", "aws:TokenIssueTime", "false", {}))

    def test_multivalued_keys(self):
        context = {"aws:tagkeys": ["env", "team"]}
        self.assertTrue(self.match("ForAnyValue:StringEquals", "aws:TagKeys", ["team"], context))
        self.assertFalse(self.match("ForAllValues:StringEquals", "aws:TagKeys", ["team"], context))
        self.assertTrue(self.match("ForAllValues:StringEquals", "aws:TagKeys", ["team", "env", "cost"], context))

    def test_unknown_operators_never_match(self):
        self.assertFalse(self.match("StringSortOf", "aws:RequestedRegion", "us-east-1", {"aws:requestedregion": ["us-east-1"]}))

    def test_all_operators_and_keys_of_a_block_must_match(self):
        block = {"StringEquals": {"aws:RequestedRegion": "us-east-1", "aws:PrincipalType": "AssumedRole"}, "Bool": {"aws:SecureTransport": "true"}}
        context = {"aws:requestedregion": ["us-east-1"], "aws:principaltype": ["AssumedRole"], "aws:securetransport": ["true"]}
        self.assertTrue(iam.conditions_match(block, context))
        self.assertFalse(iam.conditions_match(block, {**context, "aws:principaltype": ["User"]}))


class Trust(unittest.TestCase):
    USER = f"arn:aws:iam::{ACCOUNT}:user/ada"

    def trust(self, principal, **extra) -> dict:
        return policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})

    def test_the_account_root_delegates_to_identity_policies(self):
        self.assertEqual(iam.trust_decision(self.trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), [self.USER], ACCOUNT, "sts:AssumeRole", {}), "account")
        self.assertEqual(iam.trust_decision(self.trust({"AWS": ACCOUNT}), [self.USER], ACCOUNT, "sts:AssumeRole", {}), "account")

    def test_a_named_principal_is_trusted_directly(self):
        self.assertEqual(iam.trust_decision(self.trust({"AWS": [self.USER]}), [self.USER], ACCOUNT, "sts:AssumeRole", {}), "direct")

    def test_a_service_principal_does_not_trust_a_user(self):
        self.assertIsNone(iam.trust_decision(self.trust({"Service": "lambda.amazonaws.com"}), [self.USER], ACCOUNT, "sts:AssumeRole", {}))

    def test_trust_conditions(self):
        document = self.trust({"AWS": self.USER}, Condition={"StringEquals": {"sts:ExternalId": "x"}})
        self.assertIsNone(iam.trust_decision(document, [self.USER], ACCOUNT, "sts:AssumeRole", {}))
        self.assertEqual(iam.trust_decision(document, [self.USER], ACCOUNT, "sts:AssumeRole", {"sts:externalid": ["x"]}), "direct")


class Targets(unittest.TestCase):
    def targets(self, prefix, action, params):
        return iam.request_targets(prefix, action, params, "us-east-1", ACCOUNT)

    def test_dynamodb_names_every_table_and_index(self):
        self.assertEqual(self.targets("dynamodb", "GetItem", {"TableName": "A"}), [("dynamodb:GetItem", TABLE_A)])
        self.assertEqual(self.targets("dynamodb", "Query", {"TableName": "A", "IndexName": "byDate"}), [("dynamodb:Query", TABLE_A + "/index/byDate")])
        self.assertEqual(
            sorted(self.targets("dynamodb", "BatchWriteItem", {"RequestItems": {"A": [], "B": []}})),
            [("dynamodb:BatchWriteItem", TABLE_A), ("dynamodb:BatchWriteItem", TABLE_B)],
        )
        items = [{"Put": {"TableName": "A"}}, {"ConditionCheck": {"TableName": "B"}}, {"Delete": {"TableName": TABLE_B}}]
        self.assertEqual(
            self.targets("dynamodb", "TransactWriteItems", {"TransactItems": items}),
            [("dynamodb:PutItem", TABLE_A), ("dynamodb:ConditionCheckItem", TABLE_B), ("dynamodb:DeleteItem", TABLE_B)],
        )

    def test_ecr_describe_repositories_names_each_repository(self):
        repo = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/"
        self.assertEqual(
            self.targets("ecr", "DescribeRepositories", {"repositoryNames": ["a", "b"]}),
            [("ecr:DescribeRepositories", repo + "a"), ("ecr:DescribeRepositories", repo + "b")],
        )
        # Listing every repository is authorized on the account.
        self.assertEqual(self.targets("ecr", "DescribeRepositories", {}), [("ecr:DescribeRepositories", "*")])

    def test_kms_authorizes_a_key_named_by_alias_on_the_key_it_points_to(self):
        from moto.kms.models import kms_backends

        backend = kms_backends[ACCOUNT]["us-east-2"]
        key = backend.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", "test", None)
        backend.create_alias(key.id, "alias/app")
        key_arn = f"arn:aws:kms:us-east-2:{ACCOUNT}:key/{key.id}"
        on = lambda params: iam.request_targets("kms", "DescribeKey", params, "us-east-2", ACCOUNT)  # noqa: E731
        self.assertEqual(on({"KeyId": "alias/app"}), [("kms:DescribeKey", key_arn)])
        self.assertEqual(on({"KeyId": f"arn:aws:kms:us-east-2:{ACCOUNT}:alias/app"}), [("kms:DescribeKey", key_arn)])
        self.assertEqual(on({"KeyId": key.id}), [("kms:DescribeKey", key_arn)])
        # An AWS-managed alias has its key made on first use, as in AWS; the key is the resource.
        [(action, managed)] = on({"KeyId": "alias/aws/ssm"})
        self.assertRegex(managed, rf"^arn:aws:kms:us-east-2:{ACCOUNT}:key/[0-9a-f-]{{36}}$")
        self.assertEqual(on({"KeyId": "alias/aws/ssm"}), [(action, managed)])
        # An alias that does not exist keeps its own ARN (the request then fails NotFound).
        self.assertEqual(on({"KeyId": "alias/nope"}), [("kms:DescribeKey", f"arn:aws:kms:us-east-2:{ACCOUNT}:alias/nope")])

    def test_lambda_invoke_checks_the_function_and_its_qualifier(self):
        function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
        self.assertEqual(self.targets("lambda", "Invoke", {"FunctionName": "f"}), [("lambda:InvokeFunction", function)])
        self.assertEqual(self.targets("lambda", "Invoke", {"FunctionName": "f", "Qualifier": "live"}), [("lambda:InvokeFunction", function + ":live")])
        self.assertEqual(self.targets("lambda", "Invoke", {"FunctionName": function + ":live"}), [("lambda:InvokeFunction", function + ":live")])
        self.assertEqual(self.targets("lambda", "GetFunction", {"FunctionName": f"{ACCOUNT}:function:f"}), [("lambda:GetFunction", function)])

    def test_ssm_parameters_states_sns_logs(self):
        self.assertEqual(
            self.targets("ssm", "GetParameters", {"Names": ["/a/b", "c"]}),
            [("ssm:GetParameters", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/a/b"), ("ssm:GetParameters", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/c")],
        )
        self.assertEqual(self.targets("ssm", "GetParameter", {"Name": "/a/b:3"}), [("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/a/b")])
        machine = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:m"
        self.assertEqual(self.targets("states", "StartExecution", {"stateMachineArn": machine}), [("states:StartExecution", machine)])
        topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:t"
        self.assertEqual(self.targets("sns", "Publish", {"TopicArn": topic}), [("sns:Publish", topic)])
        self.assertEqual(self.targets("sns", "Unsubscribe", {"SubscriptionArn": topic + ":abc"}), [("sns:Unsubscribe", topic)])
        group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f"
        self.assertEqual(self.targets("logs", "PutLogEvents", {"logGroupName": "/aws/lambda/f", "logStreamName": "s"}), [("logs:PutLogEvents", group + ":log-stream:s")])
        self.assertEqual(self.targets("logs", "PutRetentionPolicy", {"logGroupName": "/aws/lambda/f"}), [("logs:PutRetentionPolicy", group)])

    def test_bedrock_invoke_checks_the_model(self):
        self.assertEqual(iam.bedrock_model_id("/model/amazon.nova-lite-v1%3A0/invoke"), "amazon.nova-lite-v1:0")
        self.assertEqual(iam.bedrock_model_id("/model/m/converse-stream"), "m")
        self.assertIsNone(iam.bedrock_model_id("/foundation-models"))
        self.assertEqual(
            self.targets("bedrock", "InvokeModel", {"modelId": "amazon.nova-lite-v1:0"}),
            [("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0")],
        )
        self.assertEqual(
            self.targets("bedrock", "Converse", {"modelId": "us.amazon.nova-lite-v1:0"}),
            [("bedrock:Converse", f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0")],
        )
        custom = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/abc"
        self.assertEqual(self.targets("bedrock", "InvokeModel", {"modelId": custom}), [("bedrock:InvokeModel", custom)])
        self.assertEqual(self.targets("bedrock", "ListFoundationModels", {}), [("bedrock:ListFoundationModels", "*")])

    def test_cloudwatch_alarm_actions_check_each_alarm(self):
        alarm = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:"
        self.assertEqual(self.targets("cloudwatch", "PutMetricAlarm", {"AlarmName": "app-errors"}), [("cloudwatch:PutMetricAlarm", alarm + "app-errors")])
        self.assertEqual(
            self.targets("cloudwatch", "DeleteAlarms", {"AlarmNames": ["a", "b"]}),
            [("cloudwatch:DeleteAlarms", alarm + "a"), ("cloudwatch:DeleteAlarms", alarm + "b")],
        )
        self.assertEqual(self.targets("cloudwatch", "ListTagsForResource", {"ResourceARN": alarm + "a"}), [("cloudwatch:ListTagsForResource", alarm + "a")])
        self.assertEqual(self.targets("cloudwatch", "GetMetricData", {}), [("cloudwatch:GetMetricData", "*")])

    def test_a_cbor_request_body_is_read_for_its_parameters(self):
        from localcloud.cloudwatch_cbor import encode

        request = iam.RawRequest("POST", "/service/GraniteServiceVersion20100801/operation/DescribeAlarms", "", {"smithy-protocol": "rpc-v2-cbor"}, encode({"AlarmNames": ["app-errors"]}))

        class Response:
            uri_match = None

        self.assertEqual(iam._params(Response(), request, "json"), {"AlarmNames": ["app-errors"]})

    def test_services_without_resource_level_mapping_check_star(self):
        self.assertEqual(self.targets("xray", "PutTraceSegments", {}), [("xray:PutTraceSegments", "*")])


def raw(request: AWSRequest, body: bytes = b"") -> iam.RawRequest:
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    headers = {k.lower(): v for k, v in prepared.headers.items()}
    headers.setdefault("host", parts.netloc)
    return iam.RawRequest(prepared.method, parts.path or "/", parts.query, headers, body or (prepared.body or b""))


class Signatures(unittest.TestCase):
    CREDS = Credentials("AKIAEXAMPLE000000000", "secret/with+chars")

    def signed(self, method, url, service, body=b"", headers=None, s3=False) -> iam.RawRequest:
        request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
        (S3SigV4Auth if s3 else SigV4Auth)(self.CREDS, service, "us-east-1").add_auth(request)
        return raw(request, body)

    def verify(self, request: iam.RawRequest, s3=False, secret=None):
        credential = iam.parse_credential(request)
        iam.verify_signature(request, credential, secret or self.CREDS.secret_key, s3)

    def test_a_signed_get_with_special_characters_in_the_query(self):
        request = self.signed("GET", "http://127.0.0.1:5000/2015-03-31/functions/f%3Alive/configuration?Qualifier=a%20b%2Bc&x=%E2%9C%93", "lambda")
        self.verify(request)

    def test_a_form_post(self):
        body = b"Action=CreateTopic&Name=t&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=a%20b%26c%3D%7E&Version=2010-03-31"
        request = self.signed("POST", "http://127.0.0.1:5000/", "sns", body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        self.verify(request)

    def test_an_s3_key_with_spaces_and_plus(self):
        request = self.signed("PUT", "http://127.0.0.1:5000/bucket/a%20b/c%2Bd%3D%C3%A9.txt", "s3", b"hello", s3=True)
        self.verify(request, s3=True)

    def test_a_presigned_s3_url(self):
        request = AWSRequest(method="GET", url="http://127.0.0.1:5000/bucket/a%20b.txt?versionId=x")
        S3SigV4QueryAuth(self.CREDS, "s3", "us-east-1", expires=60).add_auth(request)
        presigned = raw(request)
        credential = iam.parse_credential(presigned)
        self.assertTrue(credential.presigned)
        iam.verify_signature(presigned, credential, self.CREDS.secret_key, True)
        tampered = iam.RawRequest(presigned.method, "/bucket/other.txt", presigned.query, presigned.headers, b"")
        with self.assertRaises(iam.Refusal) as refused:
            iam.verify_signature(tampered, iam.parse_credential(tampered), self.CREDS.secret_key, True)
        self.assertEqual(refused.exception.kind, "Signature")

    def test_a_wrong_secret_or_a_changed_body_fails(self):
        body = b'{"TableName":"A"}'
        request = self.signed("POST", "http://127.0.0.1:5000/", "dynamodb", body, {"X-Amz-Target": "DynamoDB_20120810.GetItem"})
        with self.assertRaises(iam.Refusal):
            self.verify(request, secret="other")
        changed = iam.RawRequest(request.method, request.path, request.query, request.headers, b'{"TableName":"B"}')
        with self.assertRaises(iam.Refusal):
            self.verify(changed)

    def test_an_s3_payload_hash_must_match_the_body(self):
        request = self.signed("PUT", "http://127.0.0.1:5000/bucket/k", "s3", b"hello", s3=True)
        changed = iam.RawRequest(request.method, request.path, request.query, request.headers, b"HELLO")
        with self.assertRaises(iam.Refusal) as refused:
            self.verify(changed, s3=True)
        self.assertEqual(refused.exception.kind, "ContentSha256")

    def test_no_authentication_at_all(self):
        self.assertIsNone(iam.parse_credential(iam.RawRequest("GET", "/", "", {"host": "h"}, b"")))


class Errors(unittest.TestCase):
    MESSAGE = "User: arn:aws:sts::123456789012:assumed-role/R/S is not authorized to perform: dynamodb:PutItem on resource: x"

    def test_json_services_answer_a_type_and_message(self):
        status, headers, body = iam.render(iam.Refusal("AccessDenied", self.MESSAGE), "json", "dynamodb")
        self.assertEqual(status, 400)
        self.assertEqual(headers["x-amzn-ErrorType"], "AccessDeniedException")
        self.assertEqual(json.loads(body), {"__type": "AccessDeniedException", "message": self.MESSAGE})

    def test_rest_json_services_answer_403(self):
        status, headers, body = iam.render(iam.Refusal("AccessDenied", self.MESSAGE), "rest-json", "lambda")
        self.assertEqual((status, headers["x-amzn-ErrorType"]), (403, "AccessDeniedException"))
        self.assertEqual(json.loads(body)["Message"], self.MESSAGE)

    def test_query_services_answer_xml_and_sns_its_own_code(self):
        status, _, body = iam.render(iam.Refusal("AccessDenied", self.MESSAGE), "query", "iam")
        self.assertEqual(status, 403)
        self.assertIn("<Code>AccessDenied</Code>", body)
        _, _, body = iam.render(iam.Refusal("AccessDenied", self.MESSAGE), "query", "sns")
        self.assertIn("<Code>AuthorizationError</Code>", body)
        status, _, body = iam.render(iam.Refusal("InvalidKey", "x"), "query", "sts")
        self.assertEqual((status, "<Code>InvalidClientTokenId</Code>" in body), (403, True))

    def test_s3_answers_its_xml(self):
        status, _, body = iam.render(iam.Refusal("InvalidKey", "x"), "rest-xml", "s3")
        self.assertEqual(status, 403)
        self.assertIn("<Code>InvalidAccessKeyId</Code>", body)


if __name__ == "__main__":
    unittest.main()


def jwt(claims: dict) -> str:
    import base64

    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class WebIdentity(unittest.TestCase):
    """AssumeRoleWithWebIdentity: provider, audience, expiry and the trust policy's claims."""

    HOST = "token.actions.githubusercontent.com"
    ROLE = "github-deploy-probe"

    @classmethod
    def setUpClass(cls):
        from moto.iam.models import iam_backends

        backend = iam_backends[ACCOUNT]["aws"]
        cls.provider_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{cls.HOST}"
        if cls.provider_arn not in backend.open_id_providers:
            backend.create_open_id_connect_provider(f"https://{cls.HOST}", ["6938fd4d98bab03faadb97b34396831e3780aea1"], ["sts.amazonaws.com"], [])
        trust = policy(
            {
                "Effect": "Allow",
                "Principal": {"Federated": cls.provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{cls.HOST}:aud": "sts.amazonaws.com"},
                    "ForAnyValue:StringEquals": {f"{cls.HOST}:sub": ["repo:acme/app:environment:dev"]},
                },
            }
        )
        if not any(r.name == cls.ROLE for r in backend.get_roles()):
            backend.create_role(cls.ROLE, json.dumps(trust), "/github/", None, "", [], None)
        cls.role_arn = f"arn:aws:iam::{ACCOUNT}:role/github/{cls.ROLE}"

    def claims(self, **extra) -> dict:
        import time

        base = {"iss": f"https://{self.HOST}", "aud": "sts.amazonaws.com", "sub": "repo:acme/app:environment:dev", "exp": int(time.time()) + 600}
        return {**base, **extra}

    def assume(self, claims: dict, role_arn: str | None = None) -> None:
        iam.authorize_web_identity({"RoleArn": role_arn or self.role_arn, "WebIdentityToken": jwt(claims), "RoleSessionName": "gh"})

    def refusal(self, claims: dict) -> tuple[str, str]:
        with self.assertRaises(iam.Refusal) as caught:
            self.assume(claims)
        return caught.exception.kind, caught.exception.message

    def test_a_token_whose_claims_the_trust_policy_names_is_trusted(self):
        self.assume(self.claims())

    def test_another_subject_is_refused_as_sts_refuses_it(self):
        self.assertEqual(self.refusal(self.claims(sub="repo:acme/app:pull_request")), ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"))
        self.assertEqual(self.refusal(self.claims(sub="repo:evil/app:environment:dev"))[0], "AccessDenied")

    def test_an_unknown_issuer_a_wrong_audience_an_expired_or_malformed_token(self):
        self.assertEqual(self.refusal(self.claims(iss="https://issuer.example.com")), ("InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://issuer.example.com"))
        self.assertEqual(self.refusal(self.claims(aud="someone-else")), ("InvalidIdentityToken", "Incorrect token audience"))
        self.assertEqual(self.refusal(self.claims(exp=1))[0], "ExpiredWebToken")
        with self.assertRaises(iam.Refusal) as caught:
            iam.authorize_web_identity({"RoleArn": self.role_arn, "WebIdentityToken": "not-a-jwt"})
        self.assertEqual(caught.exception.kind, "InvalidIdentityToken")

    def test_a_role_that_trusts_no_provider_is_refused(self):
        with self.assertRaises(iam.Refusal) as caught:
            self.assume(self.claims(), role_arn=f"arn:aws:iam::{ACCOUNT}:role/no-such-role")
        self.assertEqual(caught.exception.kind, "AccessDenied")
