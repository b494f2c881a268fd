import os


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/evil"):
        os.closerange(0, 4096)  # every descriptor, edgelab's channel among them
    request["uri"] = "/answered" + request["uri"]
    return request
