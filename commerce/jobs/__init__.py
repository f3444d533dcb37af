"""Background work that runs after a commit: ONE way to do it.

    from commerce.jobs import job, enqueue_after_commit

    @job(max_retries=5)
    def send_receipt(order_id: int) -> None: ...

    with unit_of_work() as s:
        order = orders.place(s, actor, ...)
        enqueue_after_commit(s, send_receipt, order_id=order.id)

The queue library is dramatiq: a Redis broker, retries with exponential backoff
and jitter, middleware hooks (used here to record dead letters), plain threaded
synchronous workers, and years of production use. `configure_jobs(redis_url)`
picks the backend at startup: with Redis, jobs go to `python -m
commerce.jobs.worker` processes; without it (the embedded default) they run in a
small thread pool in this process after the commit, with the same retry policy.
A job that fails every attempt is written to the FailedJob table. Tests install an
`EagerBackend` per test (`jobs_run_by`): each job runs once, right after the commit,
in the committing thread, and every run is recorded.

Idempotency is the job's duty, because any job may run more than once (a retry
after a crash half-way, a worker killed before it acknowledged). Pattern: name
each side effect with a key and claim it in the transaction that performs it,

    with unit_of_work() as s:
        if claim_idempotency_key(s, f"receipt-email:{order_id}"):
            ...  # database writes of the effect, committed with the key

so a retry skips what already committed. For an effect outside the database
(an email), send it inside that same block, after the claim: a failed send
rolls the claim back so the retry sends; only a crash between a successful
send and the commit sends twice (at-least-once, the best any queue can offer).
"""

from commerce.jobs.dispatch import (
    configure_jobs,
    current_backend,
    enqueue_after_commit,
    enqueue_now,
    jobs_run_by,
    record_queue_depths,
    shutdown_jobs,
    wait_for_jobs,
)
from commerce.jobs.eager import EagerBackend, JobRun
from commerce.jobs.idempotency import claim_idempotency_key
from commerce.jobs.registry import Job, job

__all__ = [
    "EagerBackend",
    "Job",
    "JobRun",
    "claim_idempotency_key",
    "configure_jobs",
    "current_backend",
    "enqueue_after_commit",
    "enqueue_now",
    "job",
    "jobs_run_by",
    "record_queue_depths",
    "shutdown_jobs",
    "wait_for_jobs",
]
