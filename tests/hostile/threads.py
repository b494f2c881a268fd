import threading
import time


def handler(event, context):
    # Leaves a non-daemon thread behind on every call (8 MB of stack reserved each).
    threading.Thread(target=time.sleep, args=(3600,)).start()
    request = event["Records"][0]["cf"]["request"]
    request["uri"] = "/answered" + request["uri"]
    return request
