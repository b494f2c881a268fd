"""A viewer-request handler written exactly as in the AWS documentation."""


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    print(f"viewer asked for {request['uri']}")
    request["headers"]["x-edgelab"] = [{"key": "X-Edgelab", "value": "hello"}]
    return request
