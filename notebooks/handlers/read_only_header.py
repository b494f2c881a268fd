"""Viewer request: rewrites Host, which is read-only in viewer request (502)."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["host"] = [{"key": "Host", "value": "other.example.com"}]
    return request
