"""Viewer request: a redirect and an A/B test (facts §10).

* ``/old/...`` pages moved: answer 301 to the home page, generated at the edge.
* ``/`` and ``/index.html``: viewers with an ``ab`` cookie see their variant; new
  viewers are assigned by weight from a hash of their IP and User-Agent (stable, so a
  replay is deterministic), and the choice is passed to viewer response in an
  ``x-ab-assigned`` header, which sets the sticky cookie.
"""

import hashlib

WEIGHTS = {"A": 0.5, "B": 0.5}
HOME = {"/", "/index.html"}


def _cookie(headers, name):
    for line in headers.get("cookie", []):
        for part in line["value"].split(";"):
            k, _, v = part.strip().partition("=")
            if k == name:
                return v
    return None


def _assign(request):
    ua = request["headers"].get("user-agent", [{"value": ""}])[0]["value"]
    digest = hashlib.sha1(f"{request['clientIp']}|{ua}".encode()).digest()
    x = int.from_bytes(digest[:4], "big") / 2**32
    total = 0.0
    for variant, weight in WEIGHTS.items():
        total += weight
        if x < total:
            return variant
    return variant


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    uri = request["uri"]
    if uri.startswith("/old/"):
        return {
            "status": "301",
            "statusDescription": "Moved Permanently",
            "headers": {
                "location": [{"key": "Location", "value": "/"}],
                "cache-control": [{"key": "Cache-Control", "value": "max-age=3600"}],
            },
        }
    if uri in HOME:
        variant = _cookie(request["headers"], "ab")
        if variant not in WEIGHTS:
            variant = _assign(request)
            request["headers"]["x-ab-assigned"] = [{"key": "X-AB-Assigned", "value": variant}]
        request["uri"] = f"/experiment/{variant.lower()}/index.html"
    return request
