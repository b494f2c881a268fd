"""Origin response: cache every successful response for 60 seconds."""


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    if response["status"].startswith("2"):
        response["headers"]["cache-control"] = [{"key": "Cache-Control", "value": "max-age=60"}]
    return response
