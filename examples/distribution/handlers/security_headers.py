"""Viewer response: add security headers to every response the viewer gets."""


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    headers = response["headers"]
    headers["strict-transport-security"] = [
        {"key": "Strict-Transport-Security", "value": "max-age=63072000"}
    ]
    headers["x-content-type-options"] = [{"key": "X-Content-Type-Options", "value": "nosniff"}]
    return response
