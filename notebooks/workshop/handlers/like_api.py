"""Lab 3: a small POST API at the edge (an origin-request function with include_body).

POST /api/like with {"card": NAME} answers JSON. CloudFront gives the function the body
only when the trigger has include_body: request["body"] = {"data": ..., "encoding":
"base64", "inputTruncated": ...}; decode the data before reading it as JSON.
"""

import base64
import json
from pathlib import Path

CARDS = json.loads(Path(__file__).with_name("cards.json").read_text(encoding="utf-8"))


def answer(status, document):
    return {
        "status": str(status),
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "application/json"}],
            "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        },
        "body": json.dumps(document),
    }


def read_body(request):
    body = request.get("body") or {}
    data = body.get("data", "")
    if body.get("encoding") == "base64":
        data = base64.b64decode(data).decode("utf-8")
    return data


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    text = read_body(request)
    # Your turn: parse text as JSON, find the card in CARDS and return
    # answer(200, {"card": ..., "title": ..., "liked": True}).
    # Task 2: answer(400, {"error": ...}) for a bad body, answer(404, ...) for an unknown card.
    ...
    return request
