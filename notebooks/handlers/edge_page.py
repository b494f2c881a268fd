"""Origin request: answer /edge/... with a page made at the edge; pass the rest on."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/edge/"):
        print(f"generating {request['uri']}")
        return {
            "status": "200",
            "headers": {
                "content-type": [{"key": "Content-Type", "value": "text/plain"}],
                "cache-control": [{"key": "Cache-Control", "value": "max-age=300"}],
            },
            "body": f"made at the edge for {request['uri']}",
        }
    return request
