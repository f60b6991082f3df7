"""Benchmarks: a synthetic association measured under gunicorn with wrk (see README, Benchmarks)."""
