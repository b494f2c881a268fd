# Solutions to the value tasks of workshop/lab6-origin-by-country.ipynb (the handler is
# in handlers/origin_by_country.py beside this file).

# %% task lab6.2
p50 = table.set_index("country").loc["DE"]
answer_2 = p50["p50 before"] - p50["p50 after"]
