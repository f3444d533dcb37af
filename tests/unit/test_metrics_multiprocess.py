"""Several processes on one host (granian workers, job workers) add up in one /metrics
through PROMETHEUS_MULTIPROC_DIR; a process that exits takes its live gauges with it; a
worker alone on its host serves its own figures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import httpx
from prometheus_client.parser import text_string_to_metric_families

from commerce.config import PROJECT_ROOT
from commerce.observability import metrics

WORKER = """
from commerce.observability import metrics
metrics.start()
metrics.ORDERS_PAID.inc()
metrics.CONNECTED_SOCKETS.inc(3)
metrics.JOB_RUNS.labels("jobs.send_email", "succeeded").inc(2)
"""
SCRAPE = """
import sys
from commerce.observability import metrics
body, content_type = metrics.render(None)
sys.stdout.write(body.decode())
"""


def run(code: str, folder) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_processes_sharing_a_folder_add_up_and_exited_ones_drop_their_gauges(tmp_path):
    run(WORKER, tmp_path)
    run(WORKER, tmp_path)
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(run(SCRAPE, tmp_path))
        for sample in family.samples
    }
    assert samples[("marketplace_orders_paid_total", ())] == 2
    assert samples[("marketplace_job_runs_total", (("job", "jobs.send_email"), ("outcome", "succeeded")))] == 4
    # Both processes exited: the sockets they held are not counted any more.
    assert samples.get(("marketplace_reflex_connected_sockets", ()), 0) == 0


def test_a_worker_serves_its_metrics_on_its_own_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = metrics.serve(port, "127.0.0.1")
    try:
        metrics.JOB_RUNS.labels("jobs.on_a_worker_host", "succeeded").inc()
        body = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        server.shutdown()
        server.server_close()
    assert 'marketplace_job_runs_total{job="jobs.on_a_worker_host",outcome="succeeded"} 1.0' in body
