import os


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/evil"):
        os._exit(7)
    request["uri"] = "/answered" + request["uri"]
    return request
