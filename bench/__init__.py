"""Benchmarks. Run all with ``make bench`` (``python -m bench``); results go to bench/RESULTS.md."""
