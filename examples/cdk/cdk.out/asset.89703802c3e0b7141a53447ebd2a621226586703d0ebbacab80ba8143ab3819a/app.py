"""Origin request for /api/*: the API is served at its root, so drop the /api prefix and
say which client country asked (CloudFront-Viewer-Country comes from the origin request
policy)."""


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/api/"):
        request["uri"] = request["uri"][len("/api"):]
    country = request["headers"].get("cloudfront-viewer-country")
    if country:
        request["headers"]["x-client-country"] = [
            {"key": "X-Client-Country", "value": country[0]["value"]}]
    return request
