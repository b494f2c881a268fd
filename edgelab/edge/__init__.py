"""The CloudFront edge: one viewer request through a distribution's stages.

The viewer's request (``viewer``), the headers CloudFront adds (``cloudfront_headers``),
the cache (``cache``), origins (``origins``), the chain of stages (``chain``), what
happened (``trace``), the distribution that builds the chain (``distribution``, from
TOML in ``config``) and a real HTTP endpoint in front of it (``server``).
"""
