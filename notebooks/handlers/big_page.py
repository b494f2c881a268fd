"""Request trigger: generates a 50 KB page: fine in origin request, too big in viewer request."""


def handler(event, context):
    return {
        "status": "200",
        "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]},
        "body": "x" * 50_000,
    }
