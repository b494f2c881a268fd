"""Origin request: smaller images for mobile and tablet viewers (facts §10).

Reads the ``CloudFront-Is-Mobile-Viewer`` / ``CloudFront-Is-Tablet-Viewer`` headers that
the origin request policy forwards (they are in the cache key too, so each device class
has its own cached copy) and rewrites ``/images/x.jpg`` to ``/images/small/x.jpg``.
"""


def _is(headers, name):
    return headers.get(name, [{"value": "false"}])[0]["value"] == "true"


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    small = _is(headers, "cloudfront-is-mobile-viewer") or _is(
        headers, "cloudfront-is-tablet-viewer"
    )
    if request["uri"].startswith("/images/") and small:
        request["uri"] = "/images/small/" + request["uri"][len("/images/") :]
    return request
