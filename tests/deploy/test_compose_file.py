"""compose.yaml describes the production topology in a way Docker Compose can start.

Docker's daemon (and its compose plugin) are not available to the test suite, so the file
is checked for what would make `docker compose up` fail or misbehave: every service waits
for what it needs to be healthy, every variable the app is given is one it reads, the
Dockerfile stages it builds exist, and the nginx config it ships passes `nginx -t`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from reflex.config import Config as ReflexConfig
from reflex.istate.manager.redis import NOTIFY_KEYSPACE_EVENTS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
APP_SERVICES = ("app1", "app2", "worker", "migrate")
ONE_SHOTS = {"migrate", "minio-bucket"}
# Read by a library rather than by commerce/config.py.
LIBRARY_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}  # boto3


def _has_healthcheck(service: dict) -> bool:
    check = service.get("healthcheck")
    return bool(check) and not check.get("disable", False)


def _variables_the_app_reads() -> set[str]:
    """Upper-case names quoted in the domain's modules that read the environment
    (commerce/config.py, and the metrics module's PROMETHEUS_MULTIPROC_DIR)."""
    names: set[str] = set()
    for module in (ROOT / "commerce").rglob("*.py"):
        source = module.read_text()
        if "environ" in source:
            names.update(re.findall(r'"([A-Z][A-Z0-9_]+)"', source))
    return names


def test_the_whole_topology_is_there():
    images = {name: service.get("image", "") for name, service in SERVICES.items()}
    assert {"nginx", "app1", "app2", "worker", "postgres", "redis", "minio", "meilisearch"} <= set(SERVICES)
    assert images["postgres"].startswith("postgres:")
    assert images["redis"].startswith("redis:")
    assert images["minio"].startswith("minio/minio:")
    assert images["meilisearch"].startswith("getmeili/meilisearch:")
    assert "mc mb" in " ".join(SERVICES["minio-bucket"]["entrypoint"])
    assert SERVICES["worker"]["command"][:4] == ["python", "-m", "commerce.cli", "worker"]
    assert SERVICES["nginx"]["ports"]


def test_redis_keeps_the_notifications_reflex_waits_on_across_a_restart():
    command = SERVICES["redis"]["command"]
    events = command[command.index("--notify-keyspace-events") + 1].replace("$$", "$")
    assert set(events) == set(NOTIFY_KEYSPACE_EVENTS)


def test_every_service_is_health_checked_or_waits_on_conditions():
    for name, service in SERVICES.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on without conditions starts it too early"
        assert _has_healthcheck(service) or depends, f"{name} has neither a health check nor conditions"
        for needed, rule in depends.items():
            assert needed in SERVICES, f"{name} depends on unknown {needed}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert _has_healthcheck(SERVICES[needed]), f"{name} waits for {needed} to be healthy, never checked"
            else:
                assert condition == "service_completed_successfully", f"{name}: {condition}"
                assert needed in ONE_SHOTS, f"{name} waits for the long-running {needed} to exit"


def test_the_replicas_share_no_state_but_the_services():
    for name in ("app1", "app2"):
        env = SERVICES[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["REDIS_URL"].startswith("redis://redis:")  # Reflex state and the job queue
        assert env["S3_ENDPOINT_URL"] == "http://minio:9000"
        assert env["MEILI_URL"] == "http://meilisearch:7700"
        assert _has_healthcheck(SERVICES[name])
        assert "/healthz" in " ".join(SERVICES[name]["healthcheck"]["test"])


def test_every_variable_given_to_the_app_is_one_it_reads():
    read = _variables_the_app_reads()
    reflex_fields = set(ReflexConfig.__dataclass_fields__) if hasattr(ReflexConfig, "__dataclass_fields__") else set()
    for name in APP_SERVICES:
        for variable in SERVICES[name]["environment"]:
            if variable.startswith("REFLEX_"):
                field = variable.removeprefix("REFLEX_").lower()
                assert field in reflex_fields or hasattr(ReflexConfig, field), f"{variable}: no Reflex setting"
            else:
                assert variable in read or variable in LIBRARY_VARIABLES, f"{name}: {variable} is read by nothing"


def test_every_volume_is_declared_and_data_services_keep_theirs():
    declared = set(COMPOSE["volumes"])
    for name, service in SERVICES.items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert source in declared, f"{name} mounts undeclared volume {source}"
    for name in ("postgres", "redis", "minio", "meilisearch"):
        assert SERVICES[name].get("volumes"), f"{name} would lose its data with its container"


def test_the_images_it_builds_are_stages_of_the_dockerfile():
    stages = set(re.findall(r"^FROM \S+ AS (\S+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE))
    for name, service in SERVICES.items():
        if "build" in service:
            assert service["build"]["target"] in stages, name
            assert "API_URL" in service["build"]["args"], f"{name}: the frontend needs its public address"


def test_nginx_balances_both_replicas_and_upgrades_the_websocket(tmp_path):
    conf = (ROOT / "deploy" / "nginx" / "compose.conf").read_text()
    upstream = re.search(r"upstream marketplace_app \{(.*?)\}", conf, re.DOTALL).group(1)
    assert "server app1:3000" in upstream
    assert "server app2:3000" in upstream
    assert "ip_hash" not in upstream
    assert "sticky" not in upstream
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "immutable" in conf

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("Debian's nginx is not installed here")
    # The replicas' names resolve inside compose's network only; here they are this machine.
    (tmp_path / "site.conf").write_text(conf.replace("app1:", "127.0.0.1:").replace("app2:", "127.0.0.2:"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; include {tmp_path}/site.conf; }}\n"
    )
    checked = subprocess.run([nginx, "-t", "-q", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
