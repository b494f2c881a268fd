"""What a function may do, and what CloudFront makes of what it did.

The tables, one row per fact, each citing the facts:

* ``limits``: the quotas (trigger, rule, value, unit, section) and their override ranges;
* ``header_lists``: the disallowed, read-only and custom-header-denied header lists;
* ``decisions``: how edgelab reads each fact marked UNSURE;
* ``catalogue``: every check the validator makes (id, group, section, summary, quotas);
* ``tables``: the tables put together as named rule sets, with overrides.

Then the checking:

* ``violation``: the ``Violation`` record and the subject the checks read;
* ``checks/``: one module per thing checked, walked in one loop by
* ``validate``: a returned value checked against one rule set, as ``Violation`` records;
* ``outcome``: the one place that decides request / response / 502 / 500 / 503.
"""
