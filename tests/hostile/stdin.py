import sys


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/evil"):
        stolen = sys.stdin.buffer.read()  # edgelab's requests never come this way
        request["headers"]["x-stolen"] = [{"key": "X-Stolen", "value": str(len(stolen))}]
    request["uri"] = "/answered" + request["uri"]
    return request
