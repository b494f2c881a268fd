"""Lab 1: security headers on every response (an origin-response function).

CloudFront caches what this function returns, so the headers are added once per object
and every cached copy carries them. Add to ``response["headers"]`` (do not replace the
map: the origin's own headers must stay). Each header is a list of {key, value}.
"""


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    headers = response["headers"]
    headers["strict-transport-security"] = [
        {"key": "Strict-Transport-Security", "value": "max-age=63072000; includeSubDomains"}
    ]
    headers["content-security-policy"] = [
        {"key": "Content-Security-Policy", "value": "default-src 'self'"}
    ]
    headers["x-content-type-options"] = [{"key": "X-Content-Type-Options", "value": "nosniff"}]
    headers["x-frame-options"] = [{"key": "X-Frame-Options", "value": "DENY"}]
    headers["referrer-policy"] = [{"key": "Referrer-Policy", "value": "same-origin"}]
    return response
