"""Benchmark of the partner graph: builds a large world in a fresh database, serves the real app
with uvicorn on a loopback port, and measures latency, throughput, SQL statements per request and
the cost of building policy filters. Run with `make bench` (or `python -m bench --help`)."""
