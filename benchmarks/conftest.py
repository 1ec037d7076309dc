"""Benchmarks are run on purpose, not with the test suite:

    .venv/bin/python -m pytest benchmarks/ --benchmark-only

Figures measured on the project machine are recorded in benchmarks/README.md.
"""
