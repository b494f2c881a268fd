"""Lab 7: the card page from a DynamoDB table (an origin-request function).

The cards live in the DynamoDB table "cards" (partition key "name", a string) in
us-east-1. The client is made once, when the function is loaded, and reused by every
request the warm function serves. Name the table's Region: Lambda@Edge runs a copy of
the function in the Region nearest the viewer, not where the table is.
"""

import html

import boto3

TABLE = "cards"
dynamodb = boto3.client("dynamodb", region_name="us-east-1")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p class="word">{word}</p><p>{description}</p></body></html>
"""


def page(status, body):
    return {
        "status": str(status),
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "text/html; charset=utf-8"}],
            "cache-control": [{"key": "Cache-Control", "value": "max-age=300"}],
        },
        "body": body,
    }


def plain(item):
    """A DynamoDB item ({"title": {"S": "Alpha"}, ...}) as plain strings."""
    return {name: next(iter(value.values())) for name, value in item.items()}


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    uri = request["uri"]
    if not uri.startswith("/card/"):
        return request
    name = uri[len("/card/"):]
    item = dynamodb.get_item(TableName=TABLE, Key={"name": {"S": name}}).get("Item")
    if item is None:
        return page(404, f"<h1>No card {html.escape(name)!r}</h1>")
    card = {k: html.escape(str(v)) for k, v in plain(item).items()}
    return page(200, PAGE.format(**card))
