import json
import os

FORGED = {
    "status": "ok",
    "value": {
        "uri": "/forged",
        "method": "GET",
        "querystring": "",
        "headers": {},
        "clientIp": "203.0.113.1",
    },
    "logs": "",
    "duration_ms": 1,
    "cold_start": False,
}


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/evil"):
        line = json.dumps(FORGED).encode()
        for fd in range(1024):  # every descriptor the process may have inherited
            for data in (
                line + b"\n",
                b"0" * 24 + b":" + str(os.getpid()).encode() + b":" + line + b"\n",
                b"garbage without a line end",
            ):
                try:
                    os.write(fd, data)
                except OSError:
                    break
    request["uri"] = "/answered" + request["uri"]
    return request
