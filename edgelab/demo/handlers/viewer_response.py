"""Viewer response: make a new viewer's A/B assignment sticky with a cookie (facts §10)."""


def handler(event, context):
    cf = event["Records"][0]["cf"]
    assigned = cf["request"]["headers"].get("x-ab-assigned")
    response = cf["response"]
    if assigned:
        variant = assigned[0]["value"]
        response["headers"]["set-cookie"] = [
            {"key": "Set-Cookie", "value": f"ab={variant}; Path=/; Max-Age=2592000; Secure"}
        ]
    return response
