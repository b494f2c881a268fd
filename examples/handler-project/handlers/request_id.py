"""Any trigger: tag the request or the response with the CloudFront request id, so a
log line can be matched with what the viewer got."""


def handler(event, context):
    cf = event["Records"][0]["cf"]
    target = cf["response"] if "response" in cf else cf["request"]
    request_id = cf["config"]["requestId"]
    target["headers"]["x-request-tag"] = [{"key": "X-Request-Tag", "value": request_id}]
    return target
