"""The chain as composed stages: a stage is one unit plus one line in the stack (§8.1)."""

from __future__ import annotations

import edgelab as el
from edgelab.edge.chain import STACK, AddCloudFrontHeaders, StageUnit, build_stack
from edgelab.edge.exchange import Exchange, Reply


class ResponseHeadersPolicy(StageUnit):
    """A response headers policy: adds a header to every response CloudFront sends."""

    def __call__(self, ex: Exchange) -> Reply:
        reply = self.next(ex)
        headers = {**reply.response["headers"], "x-policy": [{"key": "X-Policy", "value": "on"}]}
        return Reply({**reply.response, "headers": headers}, reply.cache, reply.generated_by)


def vresp(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["x-seen-policy"] = [
        {"key": "X-Seen-Policy", "value": str("x-policy" in response["headers"]).lower()}
    ]
    return response


def test_a_new_stage_is_one_unit_and_one_line_in_the_stack() -> None:
    dist = el.Distribution({"viewer-response": vresp}, origin=el.MappingOrigin({"/a": "hi"}))
    at = STACK.index(AddCloudFrontHeaders) + 1  # outside viewer response: it sees nothing
    dist.stack = build_stack(dist, (*STACK[:at], ResponseHeadersPolicy, *STACK[at:]))
    first, second = dist.request("/a"), dist.request("/a")
    assert [t.cache for t in (first, second)] == ["Miss", "Hit"]
    for trace in (first, second):
        assert trace.headers["x-policy"] == "on"
        assert trace.headers["x-seen-policy"] == "false"


def test_stages_without_a_function_are_left_out_of_the_stack() -> None:
    dist = el.Distribution({}, origin=el.MappingOrigin({"/a": "hi"}))
    names, app = [], dist.stack
    while hasattr(app, "next"):
        names.append(type(app).__name__)
        app = app.next
    names.append(type(app).__name__)
    assert names == ["AddCloudFrontHeaders", "EdgeCache", "ForwardToOrigin", "CallOrigin"]


def test_a_generated_response_is_a_typed_fact_of_the_trace() -> None:
    def oreq(event, context):
        return {"status": "403", "body": "no"}

    def vreq(event, context):
        return {"status": "301", "headers": {"location": [{"value": "/b"}]}}

    traces = [
        el.Distribution({"origin-request": oreq}, origin=el.MappingOrigin({})).request("/"),
        el.Distribution({"viewer-request": vreq}, origin=el.MappingOrigin({})).request("/"),
    ]
    assert [t.generated_by for t in traces] == [
        el.Trigger.ORIGIN_REQUEST,
        el.Trigger.VIEWER_REQUEST,
    ]
    assert all("_generated" not in t.response for t in traces)
    assert el.Trace.from_dict(traces[0].to_dict()).generated_by is el.Trigger.ORIGIN_REQUEST
