"""Viewer response: add a security header and say which path it answered."""


def handler(event, context):
    cf = event["Records"][0]["cf"]
    response = cf["response"]
    response["headers"]["strict-transport-security"] = [
        {"key": "Strict-Transport-Security", "value": "max-age=63072000"}
    ]
    print(f"secured {cf['request']['uri']}")
    return response
