"""Background work: typed jobs (``types``) behind one queue port (``port.JobQueue``),
two durable backends (the ``job`` table, ``table``; procrastinate's queue on PostgreSQL,
``procrastinate_queue``), a runner (``runner``), procrastinate's worker (``worker``) and
periodic work run once per period across processes (``periodic``).

Feature code defines its job types and handlers, enqueues a job in its own transaction
(``runtime.jobs.enqueue``) and may run it right after the commit (``run_now``); the
runner retries whatever is still due. ``docflow.bootstrap`` tells the runner which
handler does which job type.
"""
