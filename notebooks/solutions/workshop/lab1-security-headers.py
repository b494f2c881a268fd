# Solutions to the value tasks of workshop/lab1-security-headers.ipynb (the handler is
# in handlers/security_headers.py beside this file).

# %% task lab1.2
answer_2 = (1, 10)
