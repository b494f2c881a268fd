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
    # Your turn: Content-Security-Policy (default-src 'self'), X-Content-Type-Options
    # (nosniff), X-Frame-Options (DENY) and Referrer-Policy (same-origin).
    ...
    return response
