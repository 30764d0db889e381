"""Benchmarks for SPEC §8: ``make bench`` or ``python -m bench`` (see docs/performance.md)."""
