"""Origin response: security headers on every response from the origin (facts §10).

Added in origin response, the headers are cached with the object, so cache hits carry
them at no extra function cost.
"""

SECURITY_HEADERS = {
    "strict-transport-security": (
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains; preload",
    ),
    "x-content-type-options": ("X-Content-Type-Options", "nosniff"),
    "x-frame-options": ("X-Frame-Options", "DENY"),
    "referrer-policy": ("Referrer-Policy", "strict-origin-when-cross-origin"),
    "content-security-policy": (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:",
    ),
}


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    headers = response["headers"]
    for name, (key, value) in SECURITY_HEADERS.items():
        headers[name] = [{"key": key, "value": value}]
    headers.pop("server", None)
    return response
