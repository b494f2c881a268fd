# Solutions to the exercises of 08_replaying_cloudfront_logs.ipynb.

# %% task 08.1
answer_1 = (logs["edge_location"].astype(str).str[:3] == "CDG").sum()

# %% task 08.2
answer_2 = logs["uri"].astype(str).value_counts().index[0]
