"""Origin request: serve /mobile/... to phones, by CloudFront-Is-Mobile-Viewer."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    mobile = headers.get("cloudfront-is-mobile-viewer", [{"value": "false"}])[0]["value"]
    if mobile == "true" and not request["uri"].startswith("/mobile/"):
        request["uri"] = "/mobile" + request["uri"]
    return request
