"""Any trigger: raises, as a handler with a bug does (500)."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    return request["headers"]["authorization"][0]["value"]  # KeyError without the header
