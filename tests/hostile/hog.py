def handler(event, context):
    blob = bytearray(300 * 1024 * 1024)  # over the 128 MB of a viewer trigger
    return event["Records"][0]["cf"]["request"] if blob else None
