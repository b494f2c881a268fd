"""Viewer request: serve index.html for folder URLs, as S3 origins have no directory index."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].endswith("/"):
        request["uri"] += "index.html"
    return request
