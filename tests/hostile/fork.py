import os


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if os.fork() == 0:  # the child returns another answer, which must never be used
        request["uri"] = "/forked-child"
        return request
    request["uri"] = "/answered" + request["uri"]
    return request
