"""The Docker image's start command serves the prebuilt frontend with no node, npm or bun.

The Dockerfile's build stage runs scripts/build-frontend.sh and its runtime stage copies
the source and `.web/build/client` only, then runs scripts/start-production.sh. This test
does the same on this machine: it builds once in a copy of the tree, makes a second copy
holding only what the runtime stage holds, and starts it with node, npm, npx, bun and bunx
replaced by programs that record the call and fail, no bun under HOME, and every registry
and proxy pointing at a closed port. The home page, an asset and /healthz must answer
within seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 900
# Generous for a 2-core machine shared with other runs; on an idle one it takes ~7 s,
# migrations of an empty database included.
START_DEADLINE = 60
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


@pytest.fixture
def no_frontend_tools(tmp_path) -> tuple[Path, Path]:
    """A bin folder whose node, npm, npx, bun and bunx fail and write down that they ran."""
    shims = tmp_path / "shims"
    shims.mkdir()
    calls = tmp_path / "frontend-tool-calls.log"
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


def test_start_command_serves_the_prebuilt_site_without_node_npm_or_bun(runtime_tree, no_frontend_tools, tmp_path):
    shims, calls = no_frontend_tools
    port = free_port()
    home = tmp_path / "home"  # no ~/.bun, no Reflex-downloaded bun, no npm cache
    home.mkdir()
    env = {
        "PATH": os.pathsep.join([str(shims), str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATA_DIR": str(tmp_path / "data"),
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
    log = tmp_path / "server.log"
    code_before = _code_files(runtime_tree)
    started = time.monotonic()
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
        deadline = started + START_DEADLINE
        health = _wait_for(f"http://127.0.0.1:{port}/healthz", process, log, deadline)
        home_page = _wait_for(f"http://127.0.0.1:{port}/", process, log, deadline)
        print(f"served {time.monotonic() - started:.1f}s after the start command")

        assert health.status_code == 200
        assert "text/html" in home_page.headers["content-type"]
        assert '<html lang="en"' in home_page.text
        # The page's scripts come from the build copied into the runtime tree.
        asset = next((runtime_tree / ".web" / "build" / "client" / "assets").glob("*.js"))
        script = httpx.get(f"http://127.0.0.1:{port}/assets/{asset.name}", timeout=5)
        assert script.status_code == 200
        assert script.content == asset.read_bytes()
        # Page routes answer their pages, a dynamic one too (Reflex's router), not a missing file.
        for path in ("/login", "/orders/ABC123"):
            page = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5, follow_redirects=True)
            assert page.status_code == 200, path
            assert '<html lang="en"' in page.text

        assert not calls.exists(), f"the start command ran a frontend tool: {calls.read_text()}"
        assert not (runtime_tree / ".web" / "node_modules").exists()
        # The image's code folder belongs to root: the app writes only to its data folder.
        assert _code_files(runtime_tree) == code_before
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
