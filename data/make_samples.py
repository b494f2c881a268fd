"""Rebuild the small synthetic files in data/ (run from the repository root):

    uv run python data/make_samples.py

* ``sample-access-log.txt`` / ``.txt.gz``: a made-up CloudFront standard access log in
  the exact W3C format with the 33 fields of facts §12, marked synthetic in a
  ``#Remark:`` line. Not real traffic; the IPs are from test ranges.
* ``sample-v2.json.gz``: the same kind of traffic as standard logging v2 JSON output
  (facts logs §2), with ``c-country``, ``cache-behavior-path-pattern`` and the origin
  first/last-byte latency of misses.
* ``sample-realtime.txt`` and ``sample-realtime-fields.txt``: real-time log records
  (facts logs §3) and the configuration's field list they need.
* ``traffic-shop-5k.parquet``, ``traffic-workshop-small-1k.csv``: small traffic sets.
"""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np

import edgelab as el

HERE = Path(__file__).resolve().parent
REMARK = "SYNTHETIC sample made by edgelab data/make_samples.py; not real traffic"


def log_frame(n: int = 400, seed: int = 11):
    frame = el.generate_traffic("shop", n, seed=seed)
    rng = np.random.default_rng(seed)
    result = rng.choice(["Hit", "Miss", "RefreshHit", "Error"], size=n, p=[.78, .17, .03, .02])
    status = np.where(result == "Error", rng.choice([403, 404, 502], size=n), 200)
    post = frame["method"].astype(str) == "POST"
    result = np.where(post, "Miss", result)
    frame["edge_location"] = frame["edge_location"].astype(str).str[:3] + \
        rng.choice(["50-C1", "53-P2", "3", "56-C2"], size=n)
    frame["log_status"] = status
    frame["log_result_type"] = result
    frame["x-edge-response-result-type"] = result
    frame["x-edge-detailed-result-type"] = result
    frame["log_sc_bytes"] = rng.integers(300, 90_000, size=n)
    frame["cs-bytes"] = rng.integers(80, 900, size=n)
    taken = np.round(rng.gamma(2.0, 0.02, size=n) + np.where(result == "Hit", 0.0, 0.08), 3)
    frame["log_time_taken"] = taken
    frame["time-to-first-byte"] = np.round(taken * 0.8, 3)
    frame["log_request_id"] = [base64.urlsafe_b64encode(rng.bytes(42)).decode()
                               for _ in range(n)]
    frame["log_distribution_host"] = "d111111abcdef8.cloudfront.net"
    frame["log_protocol"] = "https"
    frame["ssl-protocol"] = rng.choice(["TLSv1.3", "TLSv1.2"], size=n, p=[.8, .2])
    frame["ssl-cipher"] = np.where(frame["ssl-protocol"] == "TLSv1.3", "TLS_AES_128_GCM_SHA256",
                                   "ECDHE-RSA-AES128-GCM-SHA256")
    frame["cs-protocol-version"] = rng.choice(["HTTP/2.0", "HTTP/1.1", "HTTP/3.0"], size=n,
                                              p=[.7, .2, .1])
    frame["c-port"] = rng.integers(1024, 65535, size=n)
    frame["sc-content-type"] = np.where(frame["uri"].astype(str).str.endswith(".jpg"),
                                        "image/jpeg", "text/html")
    frame["sc-content-len"] = frame["log_sc_bytes"] - 300
    # CloudFront does not write records in time order (facts §12)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def v2_frame(n: int = 300, seed: int = 12):
    """log_frame plus what only v2 and real-time logs know."""
    frame = log_frame(n, seed)
    rng = np.random.default_rng(seed)
    uri = frame["uri"].astype(str)
    frame["log_behavior"] = np.where(uri.str.startswith("/images/"), "/images/*",
                                     np.where(uri.str.startswith("/api/"), "/api/*", "*"))
    frame["log_country"] = frame["country"]
    miss = frame["log_result_type"] != "Hit"
    # origin first-byte latency as a made-up origin in N. Virginia would give it: the
    # latency model's origin leg with a 35 ms origin, a 1.8 path inflation, and noise
    model = el.LatencyModel(path_inflation=1.8, origin_ms=35.0)
    leg = el.estimate_latency(frame.assign(cache="Miss"), model)["latency_origin_ms"]
    fbl = np.round((leg.to_numpy() + rng.gamma(2.0, 4.0, size=n)) / 1000.0, 3)
    frame["log_origin_fbl"] = np.where(miss, fbl, np.nan)
    frame["log_origin_lbl"] = np.where(miss, np.round(fbl * 1.2, 3), np.nan)
    return frame


def main() -> None:
    frame = log_frame()
    el.write_access_log(frame, HERE / "sample-access-log.txt", remark=REMARK)
    el.write_access_log(frame, HERE / "sample-access-log.txt.gz", remark=REMARK)
    v2 = v2_frame()
    el.write_log(v2, HERE / "sample-v2.json.gz", format="v2-json")
    el.write_log(v2, HERE / "sample-realtime.txt", format="realtime")
    fields = el.logs.write.REALTIME_DEFAULT_FIELDS
    (HERE / "sample-realtime-fields.txt").write_text("\n".join(fields) + "\n")
    el.save_traffic(el.generate_traffic("shop", 5000, seed=1), HERE / "traffic-shop-5k.parquet")
    el.save_traffic(el.generate_traffic("workshop-small", 1000, seed=2),
                    HERE / "traffic-workshop-small-1k.csv")


if __name__ == "__main__":
    main()
