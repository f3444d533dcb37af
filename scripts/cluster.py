"""`make cluster`: the app as several processes behind a load balancer, on this machine.

    .venv/bin/python scripts/cluster.py [--port 8800] [--database commerce_cluster] [--dir .cluster]

Starts, from Debian and PyPI packages only:

- PostgreSQL (the machine's, on 5432, through scripts/ensure-services.sh) with a database
  of the cluster's own, created if missing, migrated and seeded with the demo data;
- a Redis server of its own on PORT+6 (append-only file in the run folder, so it can be
  restarted without touching the machine's shared Redis): Reflex's state manager, the job
  queue and the sign-in attempt counters;
- a moto S3 server on PORT+7 holding the files (a bucket created at start);
- two app replicas on PORT+1 and PORT+2, each Reflex's backend-only production run (one
  granian worker) serving the frontend built once beforehand, as the Docker image does;
- two job workers (`python -m commerce.cli worker`), consuming the queue in Redis;
- Debian's nginx on PORT in front: websocket upgrade for /_event, round robin without
  sticky sessions, a dead replica skipped (passive health checks), an X-Request-ID on every
  request, compressed and long-cached hashed assets served from the build.

It prints the URL, writes the processes' ids to DIR/cluster.json (the failover test kills
some of them), and stops everything on Ctrl-C (or SIGTERM). A process that dies is reported
and left dead: nginx sends its share to the other replica, the other worker takes its jobs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
REFLEX = ROOT / ".venv" / "bin" / "reflex"
# The cluster's frontend folder, apart from `.web`: a build names its server's port, so one
# shared with `make run` would send that app's pages to the cluster's socket (or back).
WEB_DIR = ROOT / ".web-cluster"
BUILD_DIR = WEB_DIR / "build" / "client"
# The API address the last build was made for (--skip-build reuses only a build for this port).
BUILT_FOR = WEB_DIR / "cluster-api-url"
NGINX_MODULES = Path("/usr/lib/nginx/modules")
# reflex.istate.manager.redis.NOTIFY_KEYSPACE_EVENTS (the failover test checks they agree).
REDIS_KEYSPACE_EVENTS = "K$sgxe"
BROTLI_MODULES = ("ngx_http_brotli_filter_module.so", "ngx_http_brotli_static_module.so")
DATABASE_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# A development secret shared by every process of the cluster (sessions, signed links);
# the app still runs with APP_ENV=development, so TestPay stays available.
SECRET_KEY = "cluster-only-secret-key-" + "c" * 24
BUCKET = "commerce-cluster"
START_TIMEOUT = 240


def say(message: str) -> None:
    print(f"cluster: {message}", flush=True)


@dataclass
class Layout:
    port: int
    database: str
    run_dir: Path
    redelivery_seconds: int = 5

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def replica_ports(self) -> tuple[int, int]:
        return self.port + 1, self.port + 2

    @property
    def redis_port(self) -> int:
        return self.port + 6

    @property
    def s3_port(self) -> int:
        return self.port + 7

    @property
    def database_url(self) -> str:
        return f"{DATABASE_SERVER}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def app_env(self, name: str) -> dict[str, str]:
        """The environment of an app process (replica, worker, migration) called `name`."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("GRANIAN_", "PG"))}
        env.update(self.app_settings(name))
        return env

    def app_settings(self, name: str) -> dict[str, str]:
        """What the cluster sets in its app processes' environment."""
        return dict(
            APP_ENV="development",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            DATA_DIR=str(self.run_dir / "data"),
            BASE_URL=self.url,
            SECRET_KEY=SECRET_KEY,
            S3_BUCKET=BUCKET,
            S3_ENDPOINT_URL=f"http://127.0.0.1:{self.s3_port}",
            S3_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="cluster",
            AWS_SECRET_ACCESS_KEY="cluster-secret",
            JOB_REDELIVERY_SECONDS=str(self.redelivery_seconds),
            # nginx is one proxy in front: limits and logs see the client from X-Forwarded-For.
            REFLEX_TRUSTED_PROXY_HOPS="1",
            # Names the process in pg_stat_activity (libpq reads it), so an operator (or
            # the failover test) sees which replica or worker holds a connection.
            PGAPPNAME=name,
            PYTHONUNBUFFERED="1",
            REFLEX_TELEMETRY_ENABLED="false",
            REFLEX_USE_SYSTEM_BUN="1",
            REFLEX_WEB_WORKDIR=str(WEB_DIR),  # the build, and the replicas that serve it
            PATH=f"{ROOT / '.venv' / 'bin'}:{ROOT / 'tools' / 'node_modules' / '.bin'}:{os.environ.get('PATH', '')}",
        )


@dataclass
class Cluster:
    layout: Layout
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)
    reported: set[str] = field(default_factory=set)

    # -- processes --------------------------------------------------------------------

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """A child in its own process group (stopped as a whole), logging to DIR/logs/NAME.log."""
        log_path = self.layout.run_dir / "logs" / f"{name}.log"
        with log_path.open("a") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env or self.layout.app_env(name),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        self.commands[name] = command
        self.write_state()
        return process

    def write_state(self) -> None:
        state = {
            "url": self.layout.url,
            "database_url": self.layout.database_url,
            "redis_url": self.layout.redis_url,
            "data_dir": str(self.layout.run_dir / "data"),
            "replicas": [f"http://127.0.0.1:{port}" for port in self.layout.replica_ports],
            # What the app's processes share (development secrets only), so a script can act
            # inside the cluster: `env.update(state["app_env"])`.
            "app_env": {name: value for name, value in self.layout.app_env("script").items() if name not in os.environ},
            "processes": {name: process.pid for name, process in self.processes.items()},
            "commands": self.commands,
        }
        path = self.layout.run_dir / "cluster.json"
        path.with_suffix(".tmp").write_text(json.dumps(state, indent=2))
        path.with_suffix(".tmp").replace(path)

    def stop(self) -> None:
        """SIGTERM to every process group (the balancer first, Redis last), then SIGKILL."""
        for name in reversed(list(self.processes)):
            self._signal(name, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, process in reversed(list(self.processes.items())):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within 20 s; killing it")
                self._signal(name, signal.SIGKILL)
                process.wait()
            # Children a replica or worker left behind (granian's worker) go with its group.
            self._signal(name, signal.SIGKILL)

    def _signal(self, name: str, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.processes[name].pid, signum)

    def wait_for(self, name: str, condition, timeout: float, what: str) -> None:
        """Wait until `condition()`; fail at once if process `name` dies meanwhile."""
        process = self.processes[name]

        def ready() -> bool:
            if process.poll() is not None:
                log = self.layout.run_dir / "logs" / f"{name}.log"
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
                raise SystemExit(f"cluster: {name} exited with status {process.returncode}:\n{tail}")
            return condition()

        wait_until(ready, timeout, what)

    def report_deaths(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None and name not in self.reported:
                self.reported.add(name)
                say(f"{name} exited with status {process.returncode} (see {self.layout.run_dir}/logs/{name}.log)")

    # -- steps ------------------------------------------------------------------------

    def run(self, description: str, command: list[str], env: dict[str, str] | None = None) -> None:
        say(description)
        log_path = self.layout.run_dir / "logs" / "setup.log"
        with log_path.open("a") as log:
            result = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        if result.returncode != 0:
            raise SystemExit(f"cluster: {description} failed; see {log_path}")

    def ensure_packages(self) -> None:
        if shutil.which("nginx") is None:
            self.run("installing Debian's nginx", [str(ROOT / "scripts" / "apt-install.sh"), "nginx-light"])
        if not all((NGINX_MODULES / module).exists() for module in BROTLI_MODULES):
            # Brotli is a bonus: Debian packages it as nginx modules; gzip serves without it.
            apt = [str(ROOT / "scripts" / "apt-install.sh")]
            packages = ["libnginx-mod-http-brotli-filter", "libnginx-mod-http-brotli-static"]
            if subprocess.run([*apt, *packages], capture_output=True).returncode != 0:
                say("brotli modules not available; assets are served with gzip only")
        if shutil.which("redis-server") is None:
            self.run("installing Debian's redis-server", [str(ROOT / "scripts" / "apt-install.sh"), "redis-server"])

    def ensure_database(self) -> None:
        # PostgreSQL on 5432 (and the machine's Redis, which the cluster does not use):
        # started or installed when missing, never stopped.
        self.run("checking PostgreSQL", [str(ROOT / "scripts" / "ensure-services.sh")])
        from sqlalchemy import create_engine, text

        admin = create_engine(f"{DATABASE_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(
                text("select 1 from pg_database where datname = :name"), {"name": self.layout.database}
            ).first()
            if not exists:
                say(f"creating database {self.layout.database}")
                connection.exec_driver_sql(f'CREATE DATABASE "{self.layout.database}"')
        admin.dispose()

    def start_redis(self) -> None:
        redis_dir = self.layout.run_dir / "redis"
        redis_dir.mkdir(exist_ok=True)
        port = self.layout.redis_port
        # Its own server: restarting it (the failover test does) leaves the machine's alone.
        # The append-only file keeps sessions' state and queued jobs across a restart. The
        # keyspace notifications are the ones Reflex's state manager waits on for a lock's
        # release; it turns them on with CONFIG SET only once per process, so a restarted
        # Redis without them in its command line leaves every contended event waiting out
        # the lock's whole expiry (10 s) instead of running when the lock is let go.
        command = [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(redis_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--notify-keyspace-events",
            REDIS_KEYSPACE_EVENTS,
        ]
        self.start("redis", command, env=dict(os.environ))
        self.wait_for("redis", lambda: _redis_ping(port), 20, "Redis")

    def start_s3(self) -> None:
        command = [str(PYTHON), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.layout.s3_port)]
        self.start("s3", command, env=dict(os.environ))
        s3_url = f"http://127.0.0.1:{self.layout.s3_port}/moto-api/"
        self.wait_for("s3", lambda: _http_ok(s3_url), 60, "the moto S3 server")
        code = (
            "from commerce.config import get_settings as g; from commerce.storage.s3 import S3BlobStore as S; "
            "c = g(); S(c.s3_bucket, endpoint_url=c.s3_endpoint_url, region=c.s3_region).ensure_bucket()"
        )
        self.run(f"creating bucket {BUCKET}", [str(PYTHON), "-c", code], env=self.layout.app_env("setup"))

    def prepare_data(self) -> None:
        env = self.layout.app_env("setup")
        self.run("migrating", [str(PYTHON), "-m", "commerce.cli", "migrate"], env=env)
        self.run("seeding the demo data", [str(PYTHON), "-m", "commerce.cli", "seed-demo"], env=env)

    def build_frontend(self) -> None:
        """The static frontend, built once for every replica (scripts/build-frontend.sh, as
        the Docker image's build stage does). The pages name their backend localhost:PORT;
        the browser swaps a local host name for the page's own, so the socket goes to nginx.
        (Reflex reads REFLEX_API_URL; the script's API_URL alone does not reach the build.)"""
        env = self.layout.app_env("build")
        env["API_URL"] = env["REFLEX_API_URL"] = f"http://localhost:{self.layout.port}"
        build = [str(ROOT / "scripts" / "build-frontend.sh")]
        self.run("building the frontend (scripts/build-frontend.sh)", build, env)
        BUILT_FOR.write_text(env["REFLEX_API_URL"])

    def built_for_this_port(self) -> bool:
        return BUILT_FOR.is_file() and BUILT_FOR.read_text() == f"http://localhost:{self.layout.port}"

    def replica_command(self, number: int) -> tuple[list[str], dict[str, str]]:
        """Replica `number`: the image's production start (scripts/start-production.sh) minus
        its migration: Reflex's backend-only production run, one granian worker, serving the
        prebuilt frontend (storefront/prebuilt_frontend.py) with the app's headers."""
        port = self.layout.replica_ports[number - 1]
        env = self.layout.app_env(f"cluster-replica-{number}")
        env.update(
            GRANIAN_WORKERS="1",
            REFLEX_CHECK_LATEST_VERSION="false",
            REFLEX_UPLOADED_FILES_DIR=str(self.layout.run_dir / "data" / f"reflex-uploads-{number}"),
        )
        command = [str(REFLEX), "run", "--env", "prod", "--backend-only", "--backend-host", "127.0.0.1"]
        return [*command, "--backend-port", str(port)], env

    def start_replicas(self) -> None:
        for number in (1, 2):
            command, env = self.replica_command(number)
            self.start(f"replica-{number}", command, env=env)
        for number, port in enumerate(self.layout.replica_ports, start=1):
            health = f"http://127.0.0.1:{port}/readyz"  # database, Redis, S3 and search reachable
            self.wait_for(f"replica-{number}", lambda url=health: _http_ok(url), START_TIMEOUT, f"replica {port}")

    def start_workers(self) -> None:
        for number in (1, 2):
            name = f"worker-{number}"
            command = [str(PYTHON), "-m", "commerce.cli", "worker", "--threads", "2"]
            self.start(name, command, env=self.layout.app_env(f"cluster-{name}"))

    def start_balancer(self) -> None:
        nginx_dir = self.layout.run_dir / "nginx"
        (nginx_dir / "temp").mkdir(parents=True, exist_ok=True)
        config = nginx_dir / "nginx.conf"
        config.write_text(nginx_config(self.layout, nginx_dir))
        test = subprocess.run(["nginx", "-t", "-p", str(nginx_dir), "-c", str(config)], capture_output=True, text=True)
        if test.returncode != 0:
            raise SystemExit(f"cluster: nginx refused its configuration:\n{test.stderr}")
        self.start(
            "nginx", ["nginx", "-p", str(nginx_dir), "-c", str(config), "-g", "daemon off;"], env=dict(os.environ)
        )
        self.wait_for("nginx", lambda: _http_ok(f"{self.layout.url}/healthz"), 30, "nginx")


def nginx_config(layout: Layout, nginx_dir: Path) -> str:
    brotli = all((NGINX_MODULES / module).exists() for module in BROTLI_MODULES)
    modules = "".join(f"load_module {NGINX_MODULES / module};\n" for module in BROTLI_MODULES) if brotli else ""
    compressible = "text/css application/javascript text/javascript application/json image/svg+xml text/plain"
    brotli_lines = f"brotli on;\n    brotli_static on;\n    brotli_types {compressible};\n" if brotli else ""
    replicas = "".join(
        # Passive health checks: a replica that refuses a connection (or times out) is
        # skipped for 10 s, then tried again with the next request.
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n"
        for port in layout.replica_ports
    )
    served_by = "".join(
        # The last address tried is the one that answered ("A, B" after a failover).
        f'        "~127\\.0\\.0\\.1:{port}$" replica-{number};\n'
        for number, port in enumerate(layout.replica_ports, start=1)
    )
    temp = nginx_dir / "temp"
    return f"""# Written by scripts/cluster.py for this run; edit the script, not this file.
{modules}worker_processes 1;
pid {nginx_dir / "nginx.pid"};
error_log {nginx_dir / "error.log"} warn;
events {{ worker_connections 1024; }}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    # Pictures and key files go through the app (20 MB); product files go to S3 directly.
    client_max_body_size 64m;
    log_format cluster '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                       '$request_time rid=$request_id upstream=$upstream_addr';
    access_log {nginx_dir / "access.log"} cluster;

    # Which replica answered, by name (X-Served-By): for an operator and the failover test.
    map $upstream_addr $served_by {{
{served_by}        default "";
    }}

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      '';
    }}

    # Round robin, no stickiness: every replica reads a tab's state from Redis.
    upstream replicas {{
{replicas}        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{layout.port};

        gzip on;
        gzip_static on;
        gzip_vary on;
        gzip_proxied any;
        gzip_min_length 1024;
        gzip_types {compressible};
    {brotli_lines}
        # One id per request, made here (a client's own is not trusted), sent to the app
        # and back to the client, and written in the access log.
        add_header X-Request-ID $request_id always;
        add_header X-Served-By $served_by always;
        proxy_set_header X-Request-ID $request_id;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_http_version 1.1;
        proxy_connect_timeout 2s;
        # A replica that is down or answers 502/503/504: the request goes to the other one.
        # Only requests that never reached the app are retried for POSTs (nginx's default).
        proxy_next_upstream error timeout http_502 http_503 http_504;
        proxy_next_upstream_tries 2;

        # Reflex's event socket: upgraded, kept open for an hour without traffic.
        location /_event {{
            proxy_pass http://replicas;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
            proxy_buffering off;
        }}

        # Hashed build assets (the name changes with the content): from disk, cached a year.
        location /assets/ {{
            root {BUILD_DIR};
            add_header Cache-Control "public, max-age=31536000, immutable" always;
            add_header X-Content-Type-Options nosniff always;
            add_header X-Request-ID $request_id always;
            try_files $uri =404;
        }}

        # Pages (their status, head and security headers), the API, uploads and files.
        location / {{
            proxy_pass http://replicas;
            proxy_set_header Connection "";
            proxy_read_timeout 300s;
            proxy_request_buffering off;
        }}
    }}
}}
"""


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"cluster: {what} did not come up within {timeout:.0f} s")
        time.sleep(0.5)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _redis_ping(port: int) -> bool:
    result = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
    return result.stdout.strip() == "PONG"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/cluster.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8800")))
    parser.add_argument("--database", default=os.environ.get("CLUSTER_DATABASE", "commerce_cluster"))
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("CLUSTER_DIR", ROOT / ".cluster")))
    parser.add_argument("--skip-build", action="store_true", help="reuse the last build if made for this port")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    run_dir = args.dir.resolve()
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    cluster = Cluster(Layout(port=args.port, database=args.database, run_dir=run_dir))
    stopping = False

    def on_signal(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    # Set for SIGINT too: a shell starts a background command with SIGINT ignored, and Python
    # then leaves it ignored, so Ctrl-C's signal (or a test's) would not stop the cluster.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    try:
        cluster.ensure_packages()
        cluster.ensure_database()
        cluster.start_redis()
        cluster.start_s3()
        cluster.prepare_data()
        if not (args.skip_build and cluster.built_for_this_port() and (BUILD_DIR / "index.html").exists()):
            cluster.build_frontend()
        say("starting two replicas and two workers")
        cluster.start_workers()
        cluster.start_replicas()
        cluster.start_balancer()
        say(f"serving at {cluster.layout.url}  (logs in {run_dir}/logs; Ctrl-C stops everything)")
        while True:
            time.sleep(1)
            cluster.report_deaths()
    except KeyboardInterrupt:
        stopping = True
    finally:
        say("stopping")
        cluster.stop()
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
