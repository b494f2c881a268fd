import os
import threading
import time


def _later():
    time.sleep(0.05)
    os._exit(9)


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/evil"):
        # The call returns normally; its container dies 50 ms later, between calls.
        threading.Thread(target=_later, daemon=True).start()
    request["uri"] = "/answered" + request["uri"]
    return request
