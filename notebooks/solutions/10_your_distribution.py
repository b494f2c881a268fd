# Solutions to the exercises of 10_your_distribution.ipynb.

# %% task 10.1
# First match wins: images/* comes before *.css, /api/* before both; "/images" has no
# slash after it, so only * matches; /docs/ is the default behaviour (its viewer request
# then asks for /docs/index.html).
answer_1 = {
    "/images/site.css": "images/*",
    "/api/site.css": "/api/*",
    "/images": "*",
    "/docs/print.css": "*.css",
    "/docs/": "*",
}

# %% task 10.2
# 503 is one of the group's failover statuses (500, 502, 503, 504); a 404 would be sent
# back to the viewer as it is.
def answer_2(request):
    if request["uri"] == "/users":
        return 503, "users are down"
    return 200, '{"status": "ok"}'
