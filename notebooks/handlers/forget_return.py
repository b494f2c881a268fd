"""Viewer request: changes the request but forgets to return it (502)."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["uri"] = "/index.html"
