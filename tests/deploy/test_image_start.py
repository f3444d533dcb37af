"""The Docker image's start command serves the prebuilt frontend with no node, npm or bun.

The Dockerfile's build stage runs scripts/build-frontend.sh and its runtime stage copies
the source and `.web/build/client` only, then runs scripts/start-production.sh. This test
does the same on this machine: it builds once in a copy of the tree, makes a second copy
holding only what the runtime stage holds, and starts it with node, npm, npx, bun and bunx
replaced by programs that record the call and fail, no bun under HOME, and every registry
and proxy pointing at a closed port. The home page, assets, page routes and /healthz
must answer (about 7 s after the start on an idle machine). Then the compose topology's
nginx config is put in front of it and must serve the assets itself and pass the pages
and the websocket to the app.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fixtures.ports import free_port
from tests.fixtures.processes import stop_group

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 900
# On an idle machine it serves ~7 s after the start, migrations of an empty database
# included; the 2-core test machine shared with other runs has taken 50 s. A start that
# built the frontend would fail at once instead (its tools are stubs that fail).
START_DEADLINE = 120
FRONTEND_TOOLS = ("node", "npm", "npx", "bun", "bunx")
CLOSED = "http://127.0.0.1:9"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT + 300)]


def _source_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


def _copy_source(dest: Path) -> None:
    """The files git tracks, with this checkout's uncommitted edits: what `COPY . .` sends
    (the .dockerignore also leaves out tests and bench, which the app never imports)."""
    for name in _source_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


@pytest.fixture(scope="module")
def runtime_tree(tmp_path_factory) -> Path:
    build = tmp_path_factory.mktemp("image-build")
    _copy_source(build)
    env = {**os.environ, "REFLEX_USE_SYSTEM_BUN": "1", "REFLEX_TELEMETRY_ENABLED": "false"}
    env["PATH"] = (
        f"{ROOT / 'tools' / 'node_modules' / '.bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    )
    built = subprocess.run(
        ["scripts/build-frontend.sh"],
        cwd=build,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]

    runtime = tmp_path_factory.mktemp("image-runtime")
    _copy_source(runtime)
    shutil.copytree(build / ".web" / "build" / "client", runtime / ".web" / "build" / "client")
    return runtime


def _code_files(tree: Path) -> set[Path]:
    """Everything outside .web, the one folder of the image's code tree the app may write."""
    return {path for path in tree.rglob("*") if ".web" not in path.relative_to(tree).parts}


def _no_frontend_tools(folder: Path) -> tuple[Path, Path]:
    """A bin folder whose node, npm, npx, bun and bunx fail and write down that they ran."""
    shims = folder / "shims"
    shims.mkdir()
    calls = folder / "frontend-tool-calls.log"
    for tool in FRONTEND_TOOLS:
        shim = shims / tool
        shim.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\nexit 127\n')
        shim.chmod(0o755)
    return shims, calls


def _wait_for(url: str, process: subprocess.Popen, log: Path, deadline: float) -> httpx.Response:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the start command exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            answer = httpx.get(url, timeout=2)
            if answer.status_code == 200:
                return answer
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{url} did not answer within {START_DEADLINE}s:\n{log.read_text()[-4000:]}")


@dataclass
class Started:
    base_url: str
    seconds_to_serve: float
    tool_calls: Path
    code_before: set[Path]


@pytest.fixture(scope="module")
def started(runtime_tree, tmp_path_factory) -> Iterator[Started]:
    """The image's start command, run as the image runs it, until its pages answer."""
    work = tmp_path_factory.mktemp("image-start")
    shims, calls = _no_frontend_tools(work)
    port = free_port()
    home = work / "home"  # no ~/.bun, no Reflex-downloaded bun, no npm cache
    home.mkdir()
    env = {
        "PATH": os.pathsep.join([str(shims), str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATA_DIR": str(work / "data"),
        "APP_ENV": "development",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PYTHONDONTWRITEBYTECODE": "1",
        # Any registry or download fails at once.
        "npm_config_registry": CLOSED,
        "BUN_CONFIG_REGISTRY": CLOSED,
        "PIP_INDEX_URL": CLOSED,
        "HTTP_PROXY": CLOSED,
        "HTTPS_PROXY": CLOSED,
        "http_proxy": CLOSED,
        "https_proxy": CLOSED,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    log = work / "server.log"
    code_before = _code_files(runtime_tree)
    began = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            ["scripts/start-production.sh"],
            cwd=runtime_tree,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = began + START_DEADLINE
        _wait_for(f"http://127.0.0.1:{port}/healthz", process, log, deadline)
        _wait_for(f"http://127.0.0.1:{port}/", process, log, deadline)
        yield Started(f"http://127.0.0.1:{port}", time.monotonic() - began, calls, code_before)
    finally:
        stop_group(process, signal.SIGINT)


def test_start_command_serves_the_prebuilt_site_without_node_npm_or_bun(runtime_tree, started):
    print(f"served {started.seconds_to_serve:.1f}s after the start command")
    assert httpx.get(started.base_url + "/healthz", timeout=5).status_code == 200
    home_page = httpx.get(started.base_url + "/", timeout=5)
    assert "text/html" in home_page.headers["content-type"]
    assert '<html lang="en"' in home_page.text
    # The page's scripts come from the build copied into the runtime tree.
    asset = next((runtime_tree / ".web" / "build" / "client" / "assets").glob("*.js"))
    script = httpx.get(f"{started.base_url}/assets/{asset.name}", timeout=5)
    assert script.status_code == 200
    assert script.content == asset.read_bytes()
    # Page routes answer their pages, a dynamic one too (Reflex's router), not a missing file.
    for path in ("/login", "/orders/ABC123"):
        page = httpx.get(started.base_url + path, timeout=5, follow_redirects=True)
        assert page.status_code == 200, path
        assert '<html lang="en"' in page.text
    # The Reflex backend answers too (the pages' websocket and uploads go to it).
    assert httpx.get(started.base_url + "/ping", timeout=5).status_code == 200

    assert not started.tool_calls.exists(), f"the start command ran a frontend tool: {started.tool_calls.read_text()}"
    assert not (runtime_tree / ".web" / "node_modules").exists()
    # The image's code folder belongs to root: the app writes only to its data folder.
    assert _code_files(runtime_tree) == started.code_before


def _websocket_handshake(port: int, path: str) -> bytes:
    """The first bytes answering a websocket upgrade request (an HTTP status line)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request.encode())
        return connection.recv(200)


def test_compose_nginx_config_serves_assets_itself_and_passes_pages_and_the_websocket(runtime_tree, started, tmp_path):
    """deploy/nginx/compose.conf in front of the started image: both upstreams point at it."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("Debian's nginx is not installed here")
    app_port = started.base_url.rsplit(":", 1)[1]
    port = free_port()
    site = (ROOT / "deploy" / "nginx" / "compose.conf").read_text()
    site = site.replace("app1:3000", f"127.0.0.1:{app_port}").replace("app2:3000", f"127.0.0.1:{app_port}")
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    site = site.replace("root /usr/share/nginx/site;", f"root {runtime_tree / '.web' / 'build' / 'client'};")
    (tmp_path / "site.conf").write_text(site)
    temp = tmp_path / "temp"
    temp.mkdir()
    # Workers run as nobody when started by root, and pytest's folders are private to root.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; client_body_temp_path {temp}/body; "
        f"proxy_temp_path {temp}/proxy; fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi; "
        f"scgi_temp_path {temp}/scgi; include {tmp_path}/site.conf; }}\n"
    )
    process = subprocess.Popen(
        [nginx, "-c", str(tmp_path / "nginx.conf")], stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/nginx-health", process, tmp_path / "error.log", time.monotonic() + 20)

        asset = next((runtime_tree / ".web" / "build" / "client" / "assets").glob("*.js"))
        script = httpx.get(f"{base}/assets/{asset.name}", headers={"Accept-Encoding": "gzip"}, timeout=5)
        assert script.status_code == 200
        assert "immutable" in script.headers["cache-control"]
        assert script.headers.get("content-encoding") == "gzip"  # the build's .gz, sent as is
        assert script.content == asset.read_bytes()

        home_page = httpx.get(base + "/", timeout=5)
        assert home_page.status_code == 200
        assert home_page.headers["x-request-id"]
        assert "content-security-policy" in home_page.headers  # from the app, not nginx
        # A page the app answers 404 (an unknown product) keeps its status through nginx.
        assert httpx.get(base + "/p/nobody/nothing", timeout=5).status_code == 404

        answer = _websocket_handshake(port, "/_event/?EIO=4&transport=websocket")
        assert answer.startswith(b"HTTP/1.1 101"), answer
    finally:
        stop_group(process, signal.SIGINT)
