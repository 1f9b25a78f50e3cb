"""Load and fault suite: N ``docflow serve`` instances on one PostgreSQL database and one
S3 store, simulated users through the real flows, faults injected, invariants checked.

    python -m bench.load [--users 150] [--duration 300] [--instances 3] [--s3-outage 30]

Loopback only; bounded in time (``--duration`` plus start-up and settling) and in count
(``--users``). Prints p50/p99 per endpoint, throughput, the generator's CPU share, the
faults and each check; exits 1 when a check fails. ``tests/integration/test_load_slice.py``
runs a small version (correctness only).

The users are an asyncio/httpx driver in this process, not locust: httpx is already a
dependency (nothing to add to ``.[dev]``), one event loop carries hundreds of users for
little CPU on a two-core machine (measured and reported as the generator's share), and
the users' flows (P-256 signing between prepare and complete, following a document from
one agency's outbox to another's inbox, moving to another instance) are plain code.
"""
