"""The whole distribution of distribution.toml: DynamoDB, the flags API, the cache."""

import pytest

from edgelab.testing import assert_header, assert_no_violations, assert_outcome, assert_status


def test_an_old_page_is_redirected_before_the_cache(distribution):
    trace = distribution().request("/old/page.html")
    assert_status(trace, 301)
    assert_outcome(trace, "generated")
    calls = trace.stage("viewer-request").calls
    assert [c["operation"] for c in calls] == ["GetItem"]


def test_the_origin_gets_the_banner_and_the_page_is_cached(distribution):
    dist = distribution()
    first = dist.request("/index.html")
    assert_status(first, 200)
    assert_no_violations(first)
    assert first.origin.request["headers"]["x-banner"][0]["value"] == "spring-sale"
    assert dist.request("/index.html").cache == "Hit"
    distribution.clock.advance(301)  # the 300 s TTL has run out: no sleeping
    again = dist.request("/index.html")  # asked the origin again: revalidated, unchanged
    assert again.cache == "RefreshHit" and again.origin is not None


@pytest.mark.every_trigger
def test_the_request_id_tag_works_on_every_trigger(edge):
    result = edge.invoke("handlers/request_id.py")  # an event of edge.trigger
    assert_no_violations(result)
    assert_header(result, "x-request-tag")
