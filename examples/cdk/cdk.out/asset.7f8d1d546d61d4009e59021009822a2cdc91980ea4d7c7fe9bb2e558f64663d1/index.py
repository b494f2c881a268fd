"""Origin response: give pages without caching headers a short TTL, cached with the object."""


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    headers = response["headers"]
    content_type = headers.get("content-type", [{"value": ""}])[0]["value"]
    if "cache-control" not in headers and content_type.startswith("text/html"):
        headers["cache-control"] = [{"key": "Cache-Control", "value": "public, max-age=300"}]
    return response
