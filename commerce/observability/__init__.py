"""What the running app tells its operators: Prometheus metrics, structured logs, error reports.

`metrics` defines every metric the app exports (one module, so names and labels are
written once and stay bounded) and renders them, across processes when
PROMETHEUS_MULTIPROC_DIR is set; `logs` sets structlog up for the web process and the
workers (JSON or console lines, request/event/job ids, user pseudonyms); `errors`
starts Sentry when SENTRY_DSN is set, with personal data scrubbed. It sits just above
the settings: the database, jobs and every domain package may count something here.
"""
