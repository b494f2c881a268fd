"""The example CloudFront Functions (``examples/cloudfront-functions/``) doing the common
jobs, in both runtimes where the language allows: redirect, URL rewrite for single-page
apps, header normalisation, A/B with a cookie, weights from a KeyValueStore, a JWT check
and origin selection."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest

import edgelab as el
from edgelab.errors import HandlerLoadError
from tests.conftest import ROOT

pytestmark = pytest.mark.node

EXAMPLES = ROOT / "examples" / "cloudfront-functions"
RT1, RT2 = el.CFF_RUNTIMES
ROOMY = el.get_cff_rules(overrides={"compute-budget": 200})
NOW = 1_750_000_000.0


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    el.close_handlers()


def load(name: str, runtime: str, **kw: Any) -> Any:
    return el.load_cloudfront_function(str(EXAMPLES / name), runtime, rules=ROOMY, **kw)


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_redirect(runtime: str) -> None:
    with load("redirect.js", runtime) as fn:
        res = fn.invoke(el.build_cff_event(uri="/old/a/b", querystring="x=1&flag&x=2"))
        assert (res.outcome, res.status) == ("response", 301)
        assert res.response["headers"]["location"] == {"value": "/new/a/b?x=1&x=2&flag"}
        other = fn.invoke(el.build_cff_event(uri="/keep"))
        assert other.outcome == "request" and other.request["uri"] == "/keep"


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
@pytest.mark.parametrize(
    ("uri", "expected"),
    [("/app/settings", "/index.html"), ("/", "/index.html"), ("/static/app.js", "/static/app.js")],
)
def test_spa_rewrite(runtime: str, uri: str, expected: str) -> None:
    with load("spa-rewrite.js", runtime) as fn:
        assert fn.invoke(el.build_cff_event(uri=uri)).request["uri"] == expected


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
@pytest.mark.parametrize(
    ("accept", "language"),
    [("fr-CA,fr;q=0.8", "fr"), ("de", "de"), ("ja,en;q=0.5", "en"), (None, "en")],
)
def test_header_normalisation(runtime: str, accept: str | None, language: str) -> None:
    headers = [f"Accept-Language: {accept}"] if accept else []
    with load("normalize-headers.js", runtime) as fn:
        res = fn.invoke(
            el.build_cff_event(headers=headers, querystring="utm_source=mail&Page=2&a=1")
        )
        assert res.request["headers"]["accept-language"] == {"value": language}
        assert res.request["querystring"] == {"a": {"value": "1"}, "page": {"value": "2"}}


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_ab_test_with_a_sticky_cookie(runtime: str) -> None:
    with load("ab-test.js", runtime) as fn:
        kept = fn.invoke(el.build_cff_event(uri="/", cookies={"ab": "B"}))
        assert kept.request["uri"] == "/b/index.html"
        assert kept.request["headers"]["x-ab-group"] == {"value": "B"}
        events = [el.build_cff_event(uri="/", request_id=f"r{i}") for i in range(400)]
        groups = [
            r.request["headers"]["x-ab-group"]["value"] for r in fn.invoke_many(events, now=NOW)
        ]
        assert 0.6 < groups.count("A") / len(groups) < 0.8
        resp = fn.invoke(el.build_cff_event("viewer-response", headers=["X-Ab-Group: A"]))
        assert resp.response["cookies"]["ab"] == {
            "value": "A",
            "attributes": "Path=/; Max-Age=2592000; Secure",
        }
        returning = fn.invoke(
            el.build_cff_event("viewer-response", cookies={"ab": "A"}, headers=["X-Ab-Group: A"])
        )
        assert "ab" not in returning.response["cookies"]


def test_weights_from_a_key_value_store() -> None:
    with load("kvs-weights.js", RT2, kvs=str(EXAMPLES / "kvs.json")) as fn:
        events = [el.build_cff_event(request_id=f"r{i}") for i in range(300)]
        groups = [
            r.request["headers"]["x-ab-group"]["value"] for r in fn.invoke_many(events, now=NOW)
        ]
        assert 0.84 < groups.count("A") / len(groups) < 0.96
        assert fn.invoke(el.build_cff_event(cookies={"ab": "B"})).request["headers"][
            "x-ab-group"
        ] == {"value": "B"}
        fallback = fn.invoke(el.build_cff_event(), kvs={"other": "1"})
        assert fallback.outcome == "request" and "50/50" in fallback.logs


def token(claims: dict[str, Any], secret: bytes = b"edgelab-example-secret") -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_jwt_check(runtime: str) -> None:
    with load("jwt-check.js", runtime) as fn:
        ok = fn.invoke(
            el.build_cff_event(querystring=f"token={token({'sub': 'ann'})}&page=1"), now=NOW
        )
        assert ok.outcome == "request" and ok.request["headers"]["x-user"] == {"value": "ann"}
        assert ok.request["querystring"] == {"page": {"value": "1"}}
        cases = {
            "bad signature": token({"sub": "ann"}, b"other"),
            "expired": token({"sub": "ann", "exp": NOW - 1}),
            "not a JWT": "abc",
        }
        for reason, value in cases.items():
            res = fn.invoke(el.build_cff_event(cookies={"token": value}), now=NOW)
            assert (res.status, res.logs) == (401, f"token refused: {reason}")
        fresh = fn.invoke(
            el.build_cff_event(cookies={"token": token({"sub": "b", "exp": NOW + 60})}), now=NOW
        )
        assert fresh.outcome == "request"


def test_origin_selection() -> None:
    with load("select-origin.js", RT2, origins=["main", "eu-origin"]) as fn:
        api = fn.invoke(el.build_cff_event(uri="/api/orders"))
        assert api.origin_changes[0]["helper"] == "updateRequestOrigin"
        assert api.origin_changes[0]["params"]["domainName"] == "api.example.com"
        eu = fn.invoke(el.build_cff_event(uri="/", country="FR"))
        assert eu.origin_changes == [
            {"helper": "selectRequestOriginById", "params": {"originId": "eu-origin"}}
        ]
        assert fn.invoke(el.build_cff_event(uri="/", country="US")).origin_changes == []


@pytest.mark.parametrize("name", ["kvs-weights.js", "select-origin.js"])
def test_2_0_examples_are_refused_by_1_0(name: str) -> None:
    with pytest.raises(
        HandlerLoadError,
        match=r"`import` declarations are not in "
        r"cloudfront-js-1\.0",
    ):
        load(name, RT1)
