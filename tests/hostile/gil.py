import ctypes
import signal

LIBC = ctypes.PyDLL(None)  # PyDLL: the call keeps holding the GIL


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/evil"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        LIBC.sleep(60)  # blocked in C code, holding the GIL, deaf to the timer signal
    request["uri"] = "/answered" + request["uri"]
    return request
