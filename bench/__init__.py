"""Benchmarks: `python -m bench list` (make bench) against a running stack."""
