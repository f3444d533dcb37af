"""The app as a cluster (`make cluster`): two replicas, two workers, Redis, moto S3 and nginx,
started once for this folder on free ports with a database of its own, dropped afterwards.

`cluster.kill("replica-1")` SIGKILLs a process group; `cluster.in_cluster(code)` runs Python
with the cluster's environment (its database, Redis, S3), as an operator's script would.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from tests.fixtures.ports import free_port_run

ROOT = Path(__file__).resolve().parents[2]
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# `make cluster` may install nginx, build the frontend and start seven processes.
STARTUP_TIMEOUT = 600
expect.set_options(timeout=20_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.timeout(STARTUP_TIMEOUT + 300))


class RunningCluster:
    def __init__(self, run_dir: Path, log_path: Path):
        self.run_dir = run_dir
        self.log_path = log_path
        self.extra: list[subprocess.Popen] = []

    @property
    def state(self) -> dict:
        return json.loads((self.run_dir / "cluster.json").read_text())

    @property
    def url(self) -> str:
        return self.state["url"]

    @property
    def engine(self) -> Engine:
        return create_engine(self.state["database_url"], pool_pre_ping=True)

    def log_tail(self, lines: int = 40) -> str:
        """The end of `make cluster`'s output and of every log it points at: the run folder
        is a temporary one, gone by the time anyone reads a CI report."""
        parts = [self._tail(self.log_path, lines)]
        for log in sorted((self.run_dir / "logs").glob("*.log")):
            if log.name in parts[0]:
                parts.append(f"--- {log.name} ---\n{self._tail(log, lines)}")
        return "\n".join(parts)

    @staticmethod
    def _tail(path: Path, lines: int) -> str:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def pid(self, name: str) -> int:
        return self.state["processes"][name]

    def kill(self, name: str, signum: int = signal.SIGKILL) -> None:
        os.killpg(self.pid(name), signum)

    def alive(self, name: str) -> bool:
        try:
            os.kill(self.pid(name), 0)
        except ProcessLookupError:
            return False
        # A killed child stays a zombie until the launcher reaps it each second.
        status = Path(f"/proc/{self.pid(name)}/status").read_text()
        return "zombie" not in status

    def env(self) -> dict[str, str]:
        return {**os.environ, **self.state["app_env"], "PYTHONPATH": str(ROOT)}

    def in_cluster(self, code: str) -> str:
        """Run `code` in a Python process with the cluster's settings; its standard output."""
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    @property
    def redis_port(self) -> str:
        return self.state["redis_url"].rsplit(":", 1)[1].split("/")[0]

    def redis_setting(self, name: str) -> str:
        reply = subprocess.run(
            ["redis-cli", "-p", self.redis_port, "config", "get", name], capture_output=True, text=True
        )
        return reply.stdout.splitlines()[1]

    def restart_redis(self) -> None:
        """Stop the cluster's Redis as an operator would (SHUTDOWN writes its append-only
        file) and start it again on the same port and folder."""
        port = self.redis_port
        subprocess.run(["redis-cli", "-p", port, "shutdown"], capture_output=True, timeout=30)
        wait_for(lambda: not self.alive("redis"), 30, "Redis to stop")
        self.extra.append(
            subprocess.Popen(
                self.state["commands"]["redis"],
                stdout=(self.run_dir / "logs" / "redis-restarted.log").open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

        def answers() -> bool:
            reply = subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True, text=True)
            return reply.stdout.strip() == "PONG"

        wait_for(answers, 30, "Redis to come back")


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.2)


def _still_running(groups: set[int]) -> dict[int, str]:
    """Of these process groups, the ones with a live (not zombie) process, by group: name."""
    alive: dict[int, str] = {}
    for listed in psutil.process_iter(["pid", "status", "name"]):
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            group = os.getpgid(listed.info["pid"])
            if group in groups and listed.info["status"] != psutil.STATUS_ZOMBIE:
                alive.setdefault(group, listed.info["name"])
    return alive


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("cluster")
    log_path = run_dir / "make-cluster.log"
    database = f"commerce_cluster_test_{uuid.uuid4().hex[:10]}"
    port = free_port_run(8)
    env = {**os.environ, "CLUSTER_DIR": str(run_dir), "CLUSTER_DATABASE": database}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["make", "cluster", f"CLUSTER_PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = RunningCluster(run_dir, log_path)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "cluster: serving at" not in log_path.read_text(errors="replace"):
            if process.poll() is not None:
                pytest.fail(f"`make cluster` exited with {process.returncode}:\n{running.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the cluster did not serve within {STARTUP_TIMEOUT} s:\n{running.log_tail()}")
            time.sleep(1)
        assert httpx.get(running.url + "/healthz", timeout=5).status_code == 200
        yield running
    finally:
        # Ctrl-C's equivalent: the launcher stops every process group it started.
        # When `make cluster` has already exited, its group may be gone: the failure above
        # is the one to report, not a ProcessLookupError from here.
        started_groups = set(running.state["processes"].values()) if (run_dir / "cluster.json").exists() else set()
        with_group = process.pid
        try:
            os.killpg(with_group, signal.SIGINT)
            process.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(with_group, signal.SIGKILL)
            process.wait()
        left_running = _still_running(started_groups)
        for group in left_running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        for extra in running.extra:
            if extra.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(extra.pid, signal.SIGKILL)
                extra.wait()
        admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()
        assert not left_running, f"Ctrl-C left the cluster's {sorted(left_running.values())} running"


@pytest.fixture(scope="module")
def buyer_page(browser, cluster):
    """One buyer's tab for the whole module: the session the failures must not lose."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=cluster.url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()
