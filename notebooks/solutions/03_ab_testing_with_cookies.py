# Solutions to the exercises of 03_ab_testing_with_cookies.ipynb.

# %% task 03.1
split = analysis.ab_split(results, unit="viewer").set_index("variant")
answer_1 = split.loc["B", "viewers"]

# %% task 03.2
answer_2 = analysis.ab_split(results, weights=weights, unit="viewer")["p_value"].iloc[0] >= 0.05

# %% task 03.3
by_device = analysis.ab_split(results, weights=weights, by="device", unit="viewer")
answer_3 = by_device.sort_values("p_value")["device"].iloc[0]
