"""Any trigger: takes a second, longer than the timeout a notebook sets (503)."""

import time


def handler(event, context):
    time.sleep(1.0)
    return event["Records"][0]["cf"]["request"]
