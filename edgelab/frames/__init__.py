"""The pandas layer: traffic sets, access logs, latency estimates and batch replay.

Everything here imports pandas and numpy, so ``import edgelab`` loads it only on first
use (see ``edgelab._lazy``).
"""
