"""Viewer request: adds X-Real-IP, a header CloudFront does not let a function add (502)."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-real-ip"] = [{"key": "X-Real-IP", "value": request["clientIp"]}]
    return request
