LINE = "x" * 1023


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/evil"):
        for _ in range(20 * 1024):  # 20 MB of logs
            print(LINE)
    request["uri"] = "/answered" + request["uri"]
    return request
