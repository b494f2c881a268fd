"""Viewer request: send /old/... to /new/... with a 301, pass everything else on."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/old/"):
        target = "/new/" + request["uri"][len("/old/"):]
        print(f"redirecting {request['uri']} to {target}")
        return {
            "status": "301",
            "statusDescription": "Moved Permanently",
            "headers": {"location": [{"key": "Location", "value": target}]},
        }
    print(f"passing {request['uri']} on")
    return request
