# Solutions to the exercises of 06_limits_and_errors.ipynb.

# %% task 06.1
def answer_1(event, context):
    limit = el.get_rules().limit("generated-response-size", "viewer-request")  # 40 KB
    size = int(limit) - 100  # leave room for the status line's headers
    return {"status": "200", "body": "x" * size}

# %% task 06.2
answer_2 = results["crash.py"].status

# %% task 06.3
answer_3 = results["bad_header.py"].violations[0].rule
