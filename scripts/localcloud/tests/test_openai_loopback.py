"""openai_loopback: OpenAI's chat-completions wire format (key, validation, answer, errors), the
outbox, and both routes served through the local cloud's WSGI application."""

import io
import json
import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

os.environ.setdefault("LOCALCLOUD_SCHEDULES", "off")  # no background thread in unit tests

from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402

import localcloud  # noqa: E402
from localcloud import control_api  # noqa: E402
from localcloud import openai_loopback as loop  # noqa: E402

KEY = {"Authorization": "Bearer sk-emulator-placeholder"}
GOOD = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a helpful trip-planning assistant."},
        {"role": "user", "content": "Paris?"},
        {"role": "assistant", "content": "Lovely in spring."},
        {"role": "user", "content": "Three days in Lisbon in May?"},
    ],
    "max_completion_tokens": 1024,
}


class HomeCase(unittest.TestCase):
    def setUp(self) -> None:
        self.home = tempfile.TemporaryDirectory()
        patcher = mock.patch.object(loop.settings, "HOME", Path(self.home.name))
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(self.home.cleanup)

    def post(self, body, headers=KEY):  # type: ignore[no-untyped-def]
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        status, _, data = loop.chat_completions(dict(headers), raw)
        return status, json.loads(data)

    def assertOpenAiError(self, answer, status, param=None, code=None, message=None):  # type: ignore[no-untyped-def]
        got_status, body = answer
        self.assertEqual(got_status, status, body)
        self.assertEqual(set(body), {"error"})
        self.assertEqual(set(body["error"]), {"message", "type", "param", "code"})
        self.assertEqual(body["error"]["type"], "invalid_request_error")
        self.assertEqual((body["error"]["param"], body["error"]["code"]), (param, code))
        if message is not None:
            self.assertEqual(body["error"]["message"], message)


class AuthorizationTest(HomeCase):
    def test_a_request_without_a_bearer_key_is_401_in_openais_shape(self) -> None:
        for headers in ({}, {"Authorization": ""}, {"Authorization": "Bearer "}, {"Authorization": "Basic dXNlcjpwdw=="}):
            with self.subTest(headers=headers):
                answer = self.post(GOOD, headers)
                self.assertOpenAiError(answer, 401)
                self.assertIn("You didn't provide an API key", answer[1]["error"]["message"])
        self.assertEqual(loop.outbox_read(), [])

    def test_any_non_empty_key_is_accepted_scheme_and_header_name_case_insensitive(self) -> None:
        self.assertEqual(self.post(GOOD, {"authorization": "bearer sk-anything"})[0], 200)


class ValidationTest(HomeCase):
    def test_a_body_that_is_not_json(self) -> None:
        answer = self.post(b"{not json")
        self.assertOpenAiError(answer, 400)
        self.assertIn("could not parse the JSON body", answer[1]["error"]["message"])

    def test_model(self) -> None:
        self.assertOpenAiError(self.post({"messages": GOOD["messages"]}), 400, message="you must provide a model parameter")
        self.assertOpenAiError(self.post({**GOOD, "model": ""}), 400, message="you must provide a model parameter")
        self.assertOpenAiError(
            self.post({**GOOD, "model": 4}),
            400,
            "model",
            "invalid_type",
            "Invalid type for 'model': expected a string, but got an integer instead.",
        )

    def test_messages(self) -> None:
        self.assertOpenAiError(
            self.post({"model": "m"}), 400, "messages", "missing_required_parameter", "Missing required parameter: 'messages'."
        )
        self.assertOpenAiError(self.post({"model": "m", "messages": "hi"}), 400, "messages", "invalid_type")
        self.assertOpenAiError(self.post({"model": "m", "messages": []}), 400, "messages", "empty_array")
        self.assertOpenAiError(self.post({"model": "m", "messages": ["hi"]}), 400, "messages[0]", "invalid_type")
        self.assertOpenAiError(
            self.post({"model": "m", "messages": [{"content": "hi"}]}), 400, "messages[0].role", "missing_required_parameter"
        )
        answer = self.post({"model": "m", "messages": [{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}]})
        self.assertOpenAiError(answer, 400, "messages[1].role", "invalid_value")
        self.assertEqual(
            answer[1]["error"]["message"],
            "Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
        )
        self.assertOpenAiError(
            self.post({"model": "m", "messages": [{"role": "user"}]}), 400, "messages[0].content", "missing_required_parameter"
        )
        self.assertOpenAiError(
            self.post({"model": "m", "messages": [{"role": "user", "content": 7}]}), 400, "messages[0].content", "invalid_type"
        )

    def test_streaming_is_refused(self) -> None:
        self.assertOpenAiError(self.post({**GOOD, "stream": True}), 400, "stream", "unsupported_value")

    def test_refused_requests_are_not_recorded(self) -> None:
        self.post({"model": "m", "messages": []})
        self.assertEqual(loop.outbox_read(), [])


class CompletionTest(HomeCase):
    def test_the_answer_is_a_chat_completion_quoting_the_last_user_message(self) -> None:
        status, body = self.post(GOOD)
        self.assertEqual(status, 200)
        self.assertEqual(body["object"], "chat.completion")
        self.assertEqual(body["model"], "gpt-4o-mini")
        self.assertIsInstance(body["created"], int)
        self.assertRegex(body["id"], r"^chatcmpl-loopback-[0-9a-f]{24}$")
        [choice] = body["choices"]
        self.assertEqual((choice["index"], choice["finish_reason"]), (0, "stop"))
        self.assertEqual(choice["message"]["role"], "assistant")
        content = choice["message"]["content"]
        self.assertTrue(content.startswith(loop.REPLY_PREFIX), content)
        self.assertIn("loopback", content)
        self.assertIn('"Three days in Lisbon in May?"', content)
        self.assertNotIn("Paris", content)
        usage = body["usage"]
        self.assertEqual(usage["prompt_tokens"], 6 + 1 + 3 + 6)
        self.assertEqual(usage["completion_tokens"], len(content.split()))
        self.assertEqual(usage["total_tokens"], usage["prompt_tokens"] + usage["completion_tokens"])

    def test_deterministic_for_the_same_request_and_distinct_for_another(self) -> None:
        first = loop.completion("m", [{"role": "user", "content": "x"}], [("user", "x")], now=1)
        again = loop.completion("m", [{"role": "user", "content": "x"}], [("user", "x")], now=1)
        other = loop.completion("m", [{"role": "user", "content": "y"}], [("user", "y")], now=1)
        self.assertEqual(first, again)
        self.assertNotEqual(first["id"], other["id"])

    def test_content_parts_and_no_user_message(self) -> None:
        status, body = self.post(
            {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "part one"}, {"type": "text", "text": "two"}]}]}
        )
        self.assertEqual(status, 200)
        self.assertIn('"part one\ntwo"', body["choices"][0]["message"]["content"])
        status, body = self.post({"model": "m", "messages": [{"role": "system", "content": "rules"}]})
        self.assertEqual(status, 200)
        self.assertIn("no user message", body["choices"][0]["message"]["content"])

    def test_each_answered_request_is_recorded_without_the_key(self) -> None:
        _, first = self.post(GOOD)
        self.post({"model": "other", "messages": [{"role": "user", "content": "hi"}]})
        records = loop.outbox_read()
        self.assertEqual([r["model"] for r in records], ["gpt-4o-mini", "other"])
        self.assertEqual(records[0]["messages"], GOOD["messages"])
        self.assertEqual(records[0]["id"], first["id"])
        self.assertIn("time", records[0])
        self.assertEqual(loop.outbox_read({"model": "other"})[0]["messages"], [{"role": "user", "content": "hi"}])
        text = loop.outbox_path().read_text()
        self.assertNotIn("sk-emulator-placeholder", text)
        self.assertEqual(loop.outbox_path(), Path(self.home.name) / "outbox" / "openai.jsonl")


class WsgiTest(HomeCase):
    """Both routes through the local cloud's application, as a client reaches them."""

    def call(self, method, path, body=b"", headers=None, query=""):  # type: ignore[no-untyped-def]
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "HTTP_HOST": "127.0.0.1:5000",
            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()},
        }
        seen = {}

        def start_response(status, response_headers):  # type: ignore[no-untyped-def]
            seen["status"] = int(status.split()[0])
            seen["headers"] = dict(response_headers)

        app = DomainDispatcherApplication.__new__(DomainDispatcherApplication)
        data = b"".join(control_api._call(app, environ, start_response))
        return seen["status"], seen["headers"], json.loads(data)

    def test_registered_as_a_local_cloud_module(self) -> None:
        self.assertIn("openai_loopback", localcloud.MODULES)
        self.assertLess(localcloud.MODULES.index("control_api"), localcloud.MODULES.index("openai_loopback"))

    def test_chat_completions_then_the_outbox(self) -> None:
        status, headers, body = self.call("POST", loop.CHAT_PATH, json.dumps(GOOD).encode(), {"Authorization": "Bearer k"})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(body["object"], "chat.completion")
        status, _, body = self.call("POST", loop.CHAT_PATH, json.dumps(GOOD).encode())
        self.assertEqual(status, 401)
        self.assertEqual(set(body["error"]), {"message", "type", "param", "code"})
        status, _, outbox = self.call("GET", loop.OUTBOX_PATH)
        self.assertEqual(status, 200)
        self.assertEqual([r["model"] for r in outbox["requests"]], ["gpt-4o-mini"])
        self.assertEqual(self.call("GET", loop.OUTBOX_PATH, query="model=nope")[2], {"requests": []})

    def test_other_paths_under_the_base_url_are_openais_404(self) -> None:
        status, _, body = self.call("POST", "/_localcloud/openai/v1/embeddings", b"{}", {"Authorization": "Bearer k"})
        self.assertEqual(status, 404)
        self.assertIn("Invalid URL", body["error"]["message"])


if __name__ == "__main__":
    unittest.main()
