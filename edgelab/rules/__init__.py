"""What a function may do, and what CloudFront makes of what it did.

* ``tables``: every limit, header rule and UNSURE decision as data, citing the facts;
  rule sets and overrides;
* ``validate``: a returned value checked against one rule set, as ``Violation`` records;
* ``outcome``: the one place that decides request / response / 502 / 500 / 503.
"""
