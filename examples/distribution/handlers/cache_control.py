"""Origin response: cache HTML for 5 minutes (what CloudFront caches is this output)."""


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    content_type = response["headers"].get("content-type", [{"value": ""}])[0]["value"]
    if content_type.startswith("text/html"):
        response["headers"]["cache-control"] = [
            {"key": "Cache-Control", "value": "public, max-age=300"}
        ]
    return response
