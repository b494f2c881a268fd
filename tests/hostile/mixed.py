"""One behaviour per call, picked by the uri's first segment (tests/strategies.py)."""

import contextlib
import os
import sys
import time


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    action = request["uri"].split("/")[1]
    if action == "raise":
        raise ValueError("asked to fail")
    if action == "exit":
        os._exit(5)
    if action == "fork" and os.fork() == 0:
        request["uri"] = "/forked-child"
        return request
    if action == "forge":
        for fd in range(64):
            with contextlib.suppress(OSError):
                os.write(fd, b'{"status": "ok", "value": {"uri": "/forged"}}\n')
    if action == "logs":
        sys.stdout.write("y" * (3 << 20))  # 3 MB
    if action == "sleep":
        time.sleep(30)
    if action == "marshal":
        request["extra"] = {1, 2}
    request["uri"] = "/answered" + request["uri"]
    return request
