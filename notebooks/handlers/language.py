"""Viewer request: keep only the first language of Accept-Language, so the cache splits
on a few values instead of every browser's list."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    lines = request["headers"].get("accept-language")
    if lines:
        first = lines[0]["value"].split(",")[0].split(";")[0].strip().lower()[:2] or "en"
        request["headers"]["accept-language"] = [{"key": "Accept-Language", "value": first}]
    return request
