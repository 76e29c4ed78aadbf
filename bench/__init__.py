"""Benchmarks for kubectl-discover: ``python -m bench`` (see bench/README.md)."""
