# Solutions to the exercises of 04_header_rewrites_and_devices.ipynb.

# %% task 04.1
answer_1 = el.CachePolicy(headers=["Accept-Language", "CloudFront-Is-Mobile-Viewer"])

# %% task 04.2
def answer_2(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["uri"] = request["uri"].lower()
    return request
