"""Origin request: redirect viewers from one country (CloudFront adds the header after
viewer request, so only origin-side functions see it)."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    country = request["headers"].get("cloudfront-viewer-country", [{"value": ""}])[0]["value"]
    if country == "FR" and request["uri"] == "/index.html":
        return {
            "status": "302",
            "statusDescription": "Found",
            "headers": {"location": [{"key": "Location", "value": "/fr/index.html"}]},
        }
    return request
