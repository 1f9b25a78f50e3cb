"""Background work: typed jobs (``types``) behind one queue port (``port.JobQueue``), a
durable backend on a database table (``table``) and a runner (``runner``).

Feature code defines its job types and handlers, enqueues a job in its own transaction
(``runtime.jobs.enqueue``) and may run it right after the commit (``run_now``); the
runner retries whatever is still due. ``docflow.bootstrap`` tells the runner which
handler does which job type.
"""
