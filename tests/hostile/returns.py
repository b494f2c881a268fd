"""Return values that Lambda's runtime must first turn into JSON (the uri picks one)."""

import decimal
import json


class Angry:
    def __eq__(self, other):
        raise RuntimeError("no comparing me")

    __hash__ = object.__hash__


class AngryDict(dict):
    def __eq__(self, other):
        raise RuntimeError("no comparing me")

    __hash__ = None


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no printing me")


def deep(levels):
    value = {}
    for _ in range(levels):
        value = {"x": value}
    return value


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    kind = request["uri"].lstrip("/")
    if kind == "set":
        request["headers"]["x-set"] = {1, 2}
    elif kind == "bytes-json":
        return json.dumps(request).encode()
    elif kind == "bytes-garbage":
        return b"\xff\xfe not JSON"
    elif kind == "deep-extra-key":
        request["extra"] = deep(5000)
    elif kind == "raising-eq":
        request["extra"] = Angry()
    elif kind == "raising-eq-dict":
        return AngryDict(request)
    elif kind == "decimal-status":
        return {"status": decimal.Decimal("200"), "body": "ok"}
    elif kind == "tuple-headers":
        request["headers"]["x-t"] = ({"key": "X-T", "value": "1"},)
    elif kind == "nan":
        request["extra"] = float("nan")
    elif kind == "unprintable-error":
        raise Unprintable()
    return request
