# Solutions to the exercises of 02_triggers_and_cache.ipynb.

# %% task 02.1
answer_1 = ["viewer-request", "viewer-response"]

# %% task 02.2
def answer_2(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/edge/"):
        return {
            "status": "200",
            "headers": {"cache-control": [{"key": "Cache-Control", "value": "max-age=300"}]},
            "body": f"made at the edge for {request['uri']}",
        }
    return request

# %% task 02.3
def answer_3(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["cache-control"] = [{"key": "Cache-Control", "value": "max-age=300"}]
    return response
