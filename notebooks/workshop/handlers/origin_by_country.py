"""Lab 6: the origin chosen by the viewer's country (an origin-request function).

The origin request policy forwards CloudFront-Viewer-Country. Viewers in Europe go to
the copy of the site in Ireland (eu-west-1); the others stay on the distribution's own
origin in N. Virginia (us-east-1).
"""

EU_DOMAIN = "cards-eu.example.com"
EUROPE = {
    "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR",
    "HR", "HU", "IE", "IS", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO",
    "SE", "SI", "SK",
}


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    country = request["headers"].get("cloudfront-viewer-country", [{"value": ""}])[0]["value"]
    # Your turn: for a country in EUROPE, set request["origin"]["custom"]["domainName"]
    # to EU_DOMAIN, and the Host header to the same name.
    ...
    return request
