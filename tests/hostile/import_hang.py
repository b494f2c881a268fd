import time

time.sleep(3600)  # never finishes importing


def handler(event, context):
    return event["Records"][0]["cf"]["request"]
