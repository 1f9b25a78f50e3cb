"""Background work: typed jobs (``docflow.jobs.types``) behind one queue port
(``docflow.jobs.port.JobQueue``), a durable backend on a database table
(``docflow.jobs.table``) and a runner (``docflow.jobs.runner``).

Feature code enqueues a job in its own transaction (``runtime.jobs.enqueue``) and may
run it right after the commit (``run_now``); the web app's background runner retries
whatever is still due. Only ``types`` and ``port`` are imported here: the table model
is registered from ``docflow.models`` and must not pull the database layer in.
"""

from docflow.jobs.port import Claim, JobInfo, JobQueue
from docflow.jobs.types import DeliverDocument, Job, StampIncoming

__all__ = ["Claim", "DeliverDocument", "Job", "JobInfo", "JobQueue", "StampIncoming"]
