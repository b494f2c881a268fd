"""Lab 2: a page made at the edge (an origin-request function).

/card/NAME is answered here, from the cards in cards.json (shipped beside this file, as
a Lambda@Edge package can carry data files); every other request goes on to the origin.
A response made in origin request is cached like the origin's: give it a max-age.
"""

import html
import json
from pathlib import Path

CARDS = json.loads(Path(__file__).with_name("cards.json").read_text(encoding="utf-8"))

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p class="word">{word}</p><p>{description}</p></body></html>
"""


def page(status, body):
    return {
        "status": str(status),
        "statusDescription": "OK" if status == 200 else "Not Found",
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "text/html; charset=utf-8"}],
            "cache-control": [{"key": "Cache-Control", "value": "max-age=300"}],
        },
        "body": body,
    }


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    uri = request["uri"]
    if not uri.startswith("/card/"):
        return request
    name = uri[len("/card/"):]
    card = CARDS.get(name)
    if card is None:
        return page(404, f"<h1>No card {html.escape(name)!r}</h1>")
    return page(200, PAGE.format(**{k: html.escape(str(v)) for k, v in card.items()}))
