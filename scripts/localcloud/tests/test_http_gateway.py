"""The HTTP data plane's pure logic: targets, stages, route selection, ARNs, parameter mapping
(http_gateway_routes); events, answers and CORS (http_gateway_events); Lambda resource
policies and trust policies (http_gateway_auth)."""

import base64
import json
import unittest

from localcloud import http_gateway_auth as auth
from localcloud import http_gateway_events as ev
from localcloud import http_gateway_routes as routes


class TargetTest(unittest.TestCase):
    def test_path_forms(self):
        t = routes.target_of("127.0.0.1:5000", "/_apigw/abc123/prod/stores/7")
        self.assertEqual((t.kind, t.ident, t.raw_path, t.host_form), ("api", "abc123", "/prod/stores/7", False))
        t = routes.target_of("127.0.0.1:5000", "/_apigw/abc123")
        self.assertEqual(t.raw_path, "/")
        t = routes.target_of("x", "/_lambda-url/0123abcd/hook")
        self.assertEqual((t.kind, t.ident, t.raw_path), ("url", "0123abcd", "/hook"))
        self.assertIsNone(routes.target_of("x", "/_apigw/"))

    def test_host_forms(self):
        t = routes.target_of("abc123.execute-api.localhost:5000", "/orders/1")
        self.assertEqual((t.kind, t.ident, t.raw_path, t.host_form), ("api", "abc123", "/orders/1", True))
        t = routes.target_of("f00d.lambda-url.us-east-1.on.aws", "/")
        self.assertEqual((t.kind, t.ident), ("url", "f00d"))

    def test_moto_requests_stay_with_moto(self):
        self.assertIsNone(routes.target_of("127.0.0.1:5000", "/2015-03-31/functions"))
        self.assertIsNone(routes.target_of("s3.amazonaws.com", "/bucket/key"))
        self.assertIsNone(routes.target_of("abc.execute-api.us-east-1.amazonaws.com", "/prod/@connections/x"))


class StageTest(unittest.TestCase):
    def test_http_api_default_stage_takes_the_whole_path(self):
        self.assertEqual(routes.http_api_stage("/orders/1", ["$default"]), ("$default", "/orders/1"))
        self.assertEqual(routes.http_api_stage("/dev/orders", ["$default"]), ("$default", "/dev/orders"))

    def test_http_api_named_stage_is_the_first_segment(self):
        self.assertEqual(routes.http_api_stage("/dev/orders/1", ["$default", "dev"]), ("dev", "/orders/1"))
        self.assertEqual(routes.http_api_stage("/dev", ["dev"]), ("dev", "/"))
        self.assertIsNone(routes.http_api_stage("/prod/orders", ["dev"]))
        self.assertIsNone(routes.http_api_stage("/orders", []))

    def test_rest_api_stage(self):
        self.assertEqual(routes.rest_api_stage("/prod/stores/7"), ("prod", "/stores/7"))
        self.assertEqual(routes.rest_api_stage("/prod"), ("prod", "/"))
        self.assertIsNone(routes.rest_api_stage("/"))


class RouteSelectionTest(unittest.TestCase):
    KEYS = [
        "GET /pets/dog/1",
        "GET /pets/dog/{id}",
        "ANY /pets/dog/{id}",
        "GET /pets/{proxy+}",
        "ANY /{proxy+}",
        "POST /webhook",
        "$default",
    ]

    def select(self, method, path, keys=None):
        return routes.select_route(keys or self.KEYS, method, routes.split_segments(path))

    def test_exact_route_beats_parameters_and_greedy(self):
        self.assertEqual(self.select("GET", "/pets/dog/1").route_key, "GET /pets/dog/1")

    def test_parameter_beats_greedy_and_method_beats_any(self):
        match = self.select("GET", "/pets/dog/2")
        self.assertEqual((match.route_key, match.path_parameters), ("GET /pets/dog/{id}", {"id": "2"}))
        self.assertEqual(self.select("DELETE", "/pets/dog/2").route_key, "ANY /pets/dog/{id}")

    def test_greedy_takes_the_rest_of_the_path(self):
        match = self.select("GET", "/pets/cat/3/toys")
        self.assertEqual((match.route_key, match.path_parameters), ("GET /pets/{proxy+}", {"proxy": "cat/3/toys"}))
        self.assertEqual(self.select("PUT", "/a/b").path_parameters, {"proxy": "a/b"})

    def test_default_only_when_nothing_matches(self):
        self.assertEqual(self.select("GET", "/").route_key, "$default")  # {proxy+} needs a segment
        self.assertEqual(self.select("POST", "/webhook").route_key, "POST /webhook")
        self.assertIsNone(self.select("GET", "/webhook/x", ["POST /webhook"]))

    def test_parameters_are_decoded_segments(self):
        match = self.select("GET", "/pets/dog/a%20b%2Fc")
        self.assertEqual(match.path_parameters, {"id": "a b/c"})

    def test_rest_resources(self):
        paths = ["/", "/stores", "/stores/{id}", "/{proxy+}"]
        self.assertEqual(routes.select_resource(paths, []), ("/", {}))
        self.assertEqual(routes.select_resource(paths, ["stores", "7"]), ("/stores/{id}", {"id": "7"}))
        self.assertEqual(routes.select_resource(paths, ["x", "y"]), ("/{proxy+}", {"proxy": "x/y"}))
        self.assertIsNone(routes.select_resource(["/stores"], ["other"]))


class ArnTest(unittest.TestCase):
    def test_arn_like(self):
        arn = "arn:aws:execute-api:us-east-1:123456789012:abc/$default/GET/orders/{id}"
        self.assertTrue(routes.arn_like("arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/orders/*", arn))
        self.assertTrue(routes.arn_like("arn:aws:execute-api:us-east-1:123456789012:abc/*", arn))
        self.assertFalse(routes.arn_like("arn:aws:execute-api:us-east-1:123456789012:abc/*/POST/*", arn))
        self.assertFalse(routes.arn_like("arn:aws:execute-api:us-east-1:123456789012:ab?/*/GET/x", arn))

    def test_execute_api_arn(self):
        self.assertEqual(
            routes.execute_api_arn("us-east-1", "1", "abc", "prod", "GET", "/stores/7"),
            "arn:aws:execute-api:us-east-1:1:abc/prod/GET/stores/7",
        )
        self.assertEqual(routes.execute_api_arn("r", "1", "abc", "$default", "$default", ""), "arn:aws:execute-api:r:1:abc/$default/$default")

    def test_function_arn_of_uri(self):
        fn = "arn:aws:lambda:us-east-1:123456789012:function:echo"
        self.assertEqual(routes.function_arn_of_uri(fn), fn)
        invoke = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}:live/invocations"
        self.assertEqual(routes.function_arn_of_uri(invoke), fn + ":live")
        self.assertIsNone(routes.function_arn_of_uri("https://example.com"))


class MappingTest(unittest.TestCase):
    SOURCE = routes.MappingSource(
        body=b'{"order": {"id": "o-1", "items": [1, 2]}}',
        headers={"x-team": "red"},
        query={"q": "a,b"},
        path_parameters={"id": "7"},
        context={"requestId": "rid"},
        stage_variables={"env": "dev"},
    )

    def test_selection_expressions(self):
        s = self.SOURCE
        self.assertEqual(routes.evaluate_mapping("$request.body", s), s.body.decode())
        self.assertEqual(routes.evaluate_mapping("$request.body.order.id", s), "o-1")
        self.assertEqual(routes.evaluate_mapping("$request.body.order.items", s), "[1,2]")
        self.assertEqual(routes.evaluate_mapping("$request.header.X-Team", s), "red")
        self.assertEqual(routes.evaluate_mapping("$request.querystring.q", s), "a,b")
        self.assertEqual(routes.evaluate_mapping("$request.path.id", s), "7")
        self.assertEqual(routes.evaluate_mapping("$context.requestId", s), "rid")
        self.assertEqual(routes.evaluate_mapping("$stageVariables.env", s), "dev")

    def test_static_and_embedded(self):
        s = self.SOURCE
        arn = "arn:aws:states:us-east-1:1:stateMachine:m"
        self.assertEqual(routes.evaluate_mapping(arn, s), arn)
        self.assertEqual(routes.evaluate_mapping("run-${request.path.id}-${context.requestId}", s), "run-7-rid")


def incoming(**overrides):
    values = dict(
        method="POST",
        raw_path="/orders/a%20b",
        path="/orders/a b",
        raw_query="a=1&a=2&b=",
        headers=[
            ("Content-Type", "application/json"),
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("Cookie", "c1=v1; c2=v2"),
            ("User-Agent", "tests"),
        ],
        body=b'{"k": "v"}',
        source_ip="10.0.0.1",
        user_agent="tests",
        time_epoch_ms=1583348638390,
    )
    values.update(overrides)
    return ev.Incoming(**values)


CALLER = ev.Caller(access_key="AKIAEXAMPLE", account_id="123456789012", caller_id="AIDAEXAMPLE", user_arn="arn:aws:iam::123456789012:user/u")


class EventV2Test(unittest.TestCase):
    def event(self, req=None, **kw):
        args = dict(
            account_id="123456789012",
            api_id="abc",
            domain_name="abc.execute-api.localhost:5000",
            request_id="rid=",
            route_key="POST /orders/{id}",
            stage="$default",
            path_parameters={"id": "a b"},
            stage_variables={"env": "dev"},
        )
        args.update(kw)
        return ev.event_v2(req or incoming(), **args)

    def test_shape(self):
        e = self.event(caller=CALLER)
        self.assertEqual(e["version"], "2.0")
        self.assertEqual(e["routeKey"], "POST /orders/{id}")
        self.assertEqual(e["rawPath"], "/orders/a%20b")
        self.assertEqual(e["rawQueryString"], "a=1&a=2&b=")
        self.assertEqual(e["cookies"], ["c1=v1", "c2=v2"])
        self.assertEqual(e["headers"]["x-multi"], "one,two")
        self.assertNotIn("cookie", e["headers"])
        self.assertEqual(e["headers"]["content-type"], "application/json")
        self.assertEqual(e["queryStringParameters"], {"a": "1,2", "b": ""})
        self.assertEqual(e["pathParameters"], {"id": "a b"})
        self.assertEqual(e["stageVariables"], {"env": "dev"})
        self.assertEqual((e["body"], e["isBase64Encoded"]), ('{"k": "v"}', False))
        ctx = e["requestContext"]
        self.assertEqual(ctx["http"], {"method": "POST", "path": "/orders/a b", "protocol": "HTTP/1.1", "sourceIp": "10.0.0.1", "userAgent": "tests"})
        self.assertEqual((ctx["accountId"], ctx["apiId"], ctx["domainPrefix"], ctx["stage"]), ("123456789012", "abc", "abc", "$default"))
        self.assertEqual((ctx["time"], ctx["timeEpoch"]), ("04/Mar/2020:19:03:58 +0000", 1583348638390))
        self.assertEqual(ctx["authorizer"]["iam"]["userArn"], CALLER.user_arn)
        self.assertEqual(ctx["authorizer"]["iam"]["accessKey"], "AKIAEXAMPLE")

    def test_absent_parts_are_left_out(self):
        e = self.event(incoming(raw_query="", headers=[], body=b""), path_parameters={}, stage_variables={})
        for key in ("cookies", "queryStringParameters", "pathParameters", "stageVariables", "body"):
            self.assertNotIn(key, e)
        self.assertNotIn("authorizer", e["requestContext"])
        self.assertFalse(e["isBase64Encoded"])

    def test_binary_bodies_are_base64(self):
        data = bytes(range(256))
        e = self.event(incoming(headers=[("Content-Type", "application/octet-stream")], body=data))
        self.assertTrue(e["isBase64Encoded"])
        self.assertEqual(base64.b64decode(e["body"]), data)
        form = self.event(incoming(headers=[("Content-Type", "application/x-www-form-urlencoded")], body=b"a=1"))
        self.assertTrue(form["isBase64Encoded"])
        text = self.event(incoming(headers=[("Content-Type", "text/plain; charset=utf-8")], body=b"hi"))
        self.assertEqual((text["body"], text["isBase64Encoded"]), ("hi", False))


class EventV1Test(unittest.TestCase):
    def event(self, http_api, **kw):
        args = dict(
            account_id="123456789012",
            api_id="abc",
            domain_name="abc.execute-api.localhost:5000",
            request_id="rid",
            resource="/orders/{id}",
            resource_path="/orders/{id}",
            resource_id="res1",
            path="/orders/a b",
            stage="prod",
            path_parameters={"id": "a b"},
            stage_variables=None,
            caller=None,
            http_api=http_api,
        )
        args.update(kw)
        return ev.event_v1(incoming(), **args)

    def test_rest_shape(self):
        e = self.event(False, caller=CALLER)
        self.assertNotIn("version", e)
        self.assertEqual((e["resource"], e["path"], e["httpMethod"]), ("/orders/{id}", "/orders/a b", "POST"))
        self.assertEqual(e["headers"]["X-Multi"], "two")
        self.assertEqual(e["multiValueHeaders"]["X-Multi"], ["one", "two"])
        self.assertEqual(e["queryStringParameters"], {"a": "2", "b": ""})
        self.assertEqual(e["multiValueQueryStringParameters"], {"a": ["1", "2"], "b": [""]})
        self.assertEqual(e["pathParameters"], {"id": "a b"})
        self.assertIsNone(e["stageVariables"])
        self.assertEqual((e["body"], e["isBase64Encoded"]), ('{"k": "v"}', False))
        ctx = e["requestContext"]
        self.assertEqual((ctx["resourcePath"], ctx["httpMethod"], ctx["stage"], ctx["resourceId"]), ("/orders/{id}", "POST", "prod", "res1"))
        self.assertEqual(ctx["identity"]["sourceIp"], "10.0.0.1")
        self.assertEqual(ctx["identity"]["userArn"], CALLER.user_arn)
        self.assertEqual(ctx["identity"]["accessKey"], "AKIAEXAMPLE")
        self.assertEqual(ctx["requestTimeEpoch"], 1583348638390)

    def test_rest_nulls(self):
        e = ev.event_v1(
            incoming(raw_query="", body=b""),
            account_id="1",
            api_id="a",
            domain_name="a.x",
            request_id="r",
            resource="/",
            resource_path="/",
            resource_id="r",
            path="/",
            stage="prod",
            path_parameters={},
            stage_variables={},
            caller=None,
            http_api=False,
        )
        for key in ("queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "body"):
            self.assertIsNone(e[key], key)
        self.assertIsNone(e["requestContext"]["identity"]["userArn"])

    def test_rest_binary_media_types(self):
        req = incoming(headers=[("Content-Type", "image/png")], body=b"\x89PNG")
        args = dict(account_id="1", api_id="a", domain_name="a.x", request_id="r", resource="/", resource_path="/", resource_id="r",
                    path="/", stage="p", path_parameters=None, stage_variables=None, caller=None, http_api=False)
        self.assertTrue(ev.event_v1(req, binary_media_types=["image/*"], **args)["isBase64Encoded"])
        self.assertFalse(ev.event_v1(req, binary_media_types=["application/pdf"], **args)["isBase64Encoded"])

    def test_http_api_payload_1_0(self):
        e = self.event(True, caller=CALLER)
        self.assertEqual(e["version"], "1.0")
        self.assertIn("x-multi", e["headers"])
        self.assertEqual(e["requestContext"]["authorizer"]["iam"]["userArn"], CALLER.user_arn)


class AnswerTest(unittest.TestCase):
    def test_v2_status_headers_cookies_body(self):
        payload = json.dumps(
            {"statusCode": 201, "headers": {"x-a": "1", "x-n": 2}, "cookies": ["a=1", "b=2"], "body": "created"}
        ).encode()
        a = ev.answer_v2(payload)
        self.assertEqual(a.status, 201)
        self.assertIn(("x-a", "1"), a.headers)
        self.assertIn(("x-n", "2"), a.headers)
        self.assertEqual([v for k, v in a.headers if k == "set-cookie"], ["a=1", "b=2"])
        self.assertEqual(a.body, b"created")

    def test_v2_base64_body(self):
        a = ev.answer_v2(json.dumps({"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True}).encode())
        self.assertEqual(a.body, b"\x00\x01")

    def test_v2_anything_without_status_code_is_a_200_json(self):
        a = ev.answer_v2(b'{"message": "hi"}')
        self.assertEqual((a.status, a.body), (200, b'{"message": "hi"}'))
        self.assertIn(("content-type", "application/json"), a.headers)
        self.assertEqual(ev.answer_v2(b'"Hello from Lambda!"').body, b"Hello from Lambda!")
        self.assertEqual(ev.answer_v2(b"[1, 2]").body, b"[1, 2]")

    def test_v2_malformed(self):
        for bad in (b"not json", b'{"statusCode": "abc"}', b'{"statusCode": 200, "body": {"a": 1}}', b'{"statusCode": 700}'):
            with self.assertRaises(ev.Malformed, msg=bad):
                ev.answer_v2(bad)

    def test_v1_merges_multi_value_headers(self):
        a = ev.answer_v1(
            json.dumps({"statusCode": 404, "headers": {"x-a": "1", "x-b": "h"}, "multiValueHeaders": {"x-b": ["m1", "m2"]}, "body": "no"}).encode()
        )
        self.assertEqual(a.status, 404)
        self.assertEqual([v for k, v in a.headers if k == "x-b"], ["m1", "m2"])
        self.assertIn(("x-a", "1"), a.headers)
        self.assertIn(("Content-Type", "application/json"), a.headers)

    def test_v1_needs_an_object_with_status_code(self):
        for bad in (b'"text"', b'{"body": "x"}', b"[]"):
            with self.assertRaises(ev.Malformed):
                ev.answer_v1(bad)


class CorsTest(unittest.TestCase):
    CONFIG = {"allowOrigins": ["https://app.example.com"], "allowMethods": ["GET", "POST"], "allowHeaders": ["content-type"], "exposeHeaders": ["location"], "maxAge": 300}

    def preflight(self, origin, method="POST", config=None):
        req = incoming(method="OPTIONS", headers=[("Origin", origin), ("Access-Control-Request-Method", method)], body=b"")
        self.assertTrue(ev.is_preflight(req))
        return dict(ev.cors_preflight(config or self.CONFIG, req).headers)

    def test_preflight_allowed(self):
        h = self.preflight("https://app.example.com")
        self.assertEqual(h["access-control-allow-origin"], "https://app.example.com")
        self.assertEqual(h["access-control-allow-methods"], "GET,POST")
        self.assertEqual(h["access-control-allow-headers"], "content-type")
        self.assertEqual(h["access-control-max-age"], "300")

    def test_preflight_refused(self):
        self.assertEqual(self.preflight("https://evil.example.com"), {})
        self.assertEqual(self.preflight("https://app.example.com", "DELETE"), {})

    def test_function_url_keys_and_wildcard(self):
        h = self.preflight("https://x.example", "PUT", {"AllowOrigins": ["*"], "AllowMethods": ["*"]})
        self.assertEqual((h["access-control-allow-origin"], h["access-control-allow-methods"]), ("*", "PUT"))

    def test_response_headers_replace_the_integrations(self):
        req = incoming(headers=[("Origin", "https://app.example.com")])
        answer = ev.Answer(200, [("access-control-allow-origin", "*"), ("x", "y")], b"")
        h = ev.cors_response(self.CONFIG, req, answer).headers
        self.assertEqual([v for k, v in h if k == "access-control-allow-origin"], ["https://app.example.com"])
        self.assertIn(("access-control-expose-headers", "location"), h)
        self.assertIn(("x", "y"), h)


FN = "arn:aws:lambda:us-east-1:123456789012:function:echo"
API_SOURCE = "arn:aws:execute-api:us-east-1:123456789012:abc/$default/GET/orders/{id}"


def statement(**overrides):
    s = {
        "Sid": "s",
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": FN,
        "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/orders/*"}},
    }
    s.update(overrides)
    return s


class ResourcePolicyTest(unittest.TestCase):
    def allows(self, statements, resource_arns=(FN, FN + ":$LATEST"), source=API_SOURCE, **kw):
        return auth.resource_policy_allows(
            statements,
            action=kw.pop("action", "lambda:InvokeFunction"),
            resource_arns=list(resource_arns),
            service=kw.pop("service", "apigateway.amazonaws.com"),
            source_arns=[source],
            source_account="123456789012",
            **kw,
        )

    def test_source_arn_wildcards(self):
        self.assertTrue(self.allows([statement()]))
        self.assertFalse(self.allows([statement()], source=API_SOURCE.replace("/GET/", "/POST/")))
        self.assertFalse(self.allows([]))

    def test_principal_action_and_qualifier(self):
        self.assertFalse(self.allows([statement(Principal={"Service": "events.amazonaws.com"})]))
        self.assertFalse(self.allows([statement(Action="lambda:GetFunction")]))
        self.assertTrue(self.allows([statement(Action="lambda:*")]))
        self.assertFalse(self.allows([statement()], resource_arns=[FN + ":live"]))
        self.assertTrue(self.allows([statement(Resource=FN + ":live")], resource_arns=[FN + ":live"]))

    def test_source_account(self):
        s = statement(Condition={"StringEquals": {"AWS:SourceAccount": "999999999999"}})
        self.assertFalse(self.allows([s]))

    def test_function_url_statements(self):
        public = statement(Principal="*", Action="lambda:InvokeFunctionUrl", Condition=None, FunctionUrlAuthType="NONE")
        self.assertTrue(self.allows([public], action="lambda:InvokeFunctionUrl", service=None, url_auth_type="NONE"))
        self.assertFalse(self.allows([public], action="lambda:InvokeFunctionUrl", service=None, url_auth_type="AWS_IAM"))
        via_url = statement(Principal="*", Condition=None, InvokedViaFunctionUrl=True)
        self.assertFalse(self.allows([via_url]))  # not for API Gateway

    def test_trust_policy(self):
        doc = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        self.assertTrue(auth.trust_allows(doc, "apigateway.amazonaws.com"))
        self.assertFalse(auth.trust_allows(doc, "lambda.amazonaws.com"))


if __name__ == "__main__":
    unittest.main()
