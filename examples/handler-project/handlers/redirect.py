"""Viewer request: redirect the paths listed in the DynamoDB table ``redirects``.

The table maps a path to a location and a status (301 or 302). The client is made once
per container, at import, as in Lambda; the function's process knows where DynamoDB is
(edgelab points the SDK at its local AWS; in AWS it is the real service).
"""

import boto3

TABLE = "redirects"
dynamodb = boto3.client("dynamodb", region_name="us-east-1")


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    found = dynamodb.get_item(TableName=TABLE, Key={"path": {"S": request["uri"]}})
    item = found.get("Item")
    if item is None:
        return request
    status = item.get("status", {}).get("N", "301")
    return {
        "status": status,
        "statusDescription": "Moved Permanently" if status == "301" else "Found",
        "headers": {
            "location": [{"key": "Location", "value": item["location"]["S"]}],
            "cache-control": [{"key": "Cache-Control", "value": "max-age=3600"}],
        },
    }
