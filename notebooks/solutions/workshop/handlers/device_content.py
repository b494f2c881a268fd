"""Lab 5: content per device (an origin-request function).

When the origin request policy asks for them, CloudFront adds CloudFront-Is-Mobile-Viewer,
CloudFront-Is-Tablet-Viewer ... ("true" / "false") after viewer request, so origin
request can read them. Phones get /mobile/..., tablets /tablet/..., desktops the page.
"""


def is_true(headers, name):
    values = headers.get(name)
    return bool(values) and values[0]["value"] == "true"


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    # a tablet is a mobile viewer too (CloudFront sets both): ask about the tablet first
    if is_true(headers, "cloudfront-is-tablet-viewer"):
        request["uri"] = "/tablet" + request["uri"]
    elif is_true(headers, "cloudfront-is-mobile-viewer"):
        request["uri"] = "/mobile" + request["uri"]
    return request
