"""Benchmarks through the real server on loopback. Run with ``make bench`` (never in ``make test``)."""
