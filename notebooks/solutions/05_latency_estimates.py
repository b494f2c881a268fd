# Solutions to the exercises of 05_latency_estimates.ipynb.

# %% task 05.1
answer_1 = round(analysis.time_span(results)["minutes"].iloc[0])

# %% task 05.2
by_country = analysis.latency_percentiles(results, by="country")
answer_2 = by_country.sort_values("p90")["country"].iloc[-1]

# %% task 05.3
answer_3 = el.LatencyModel(origin_lat=-33.87, origin_lon=151.21)
