# Solutions to the exercises of 01_event_anatomy.ipynb.

# %% task 01.1
answer_1 = el.build_event("origin-request", uri="/products/item-1.html", country="DE",
                          device="mobile")

# %% task 01.2
def answer_2(event):
    headers = event["Records"][0]["cf"]["request"]["headers"]
    for line in headers.get("cookie", []):
        for pair in line["value"].split(";"):
            name, _, value = pair.strip().partition("=")
            if name == "ab":
                return value
    return None

# %% task 01.3
def answer_3(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-workshop"] = [{"key": "X-Workshop", "value": "edge"}]
    return request
