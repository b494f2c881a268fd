"""Data files the library reads, inside the installed package: ``pricing.toml`` lives
here; the wheel also carries the edge-location tables and the sample log from the
checkout's top-level ``data/`` folder. Find any of them with
:func:`edgelab.resources.data_file`, which looks here and then in the checkout.
"""
