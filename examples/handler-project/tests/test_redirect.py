"""The viewer-request redirect, in Python and in Node.js, against a local DynamoDB."""

import pytest

from edgelab.testing import assert_header, assert_no_violations, assert_outcome, assert_status

pytestmark = pytest.mark.both_runtimes  # every test: redirect.py, then redirect.mjs


@pytest.fixture(autouse=True)
def redirects(edge):
    """The table `redirects`, seeded from seed/dynamodb.json for each test."""
    return edge.aws(["dynamodb"], seed="seed/dynamodb.json")


def test_a_listed_path_is_redirected(edge):
    result = edge.invoke("handlers/redirect", "viewer-request", uri="/old/page.html")
    assert_status(result, 301)
    assert_header(result, "location", "/new/page.html")
    assert_no_violations(result)
    assert [(c["service"], c["operation"]) for c in result.calls] == [("dynamodb", "GetItem")]


def test_a_302_keeps_its_status(edge):
    result = edge.invoke("handlers/redirect", "viewer-request", uri="/promo")
    assert_status(result, 302)


def test_other_paths_go_on_to_the_cache(edge):
    result = edge.invoke("handlers/redirect", "viewer-request", uri="/index.html")
    assert_outcome(result, "request")


def test_a_redirect_added_during_the_test_is_seen(edge):
    edge.aws_client("dynamodb").put_item(
        TableName="redirects",
        Item={"path": {"S": "/summer"}, "location": {"S": "/sale"}, "status": {"N": "302"}},
    )
    result = edge.invoke("handlers/redirect", "viewer-request", uri="/summer")
    assert_header(result, "location", "/sale")
