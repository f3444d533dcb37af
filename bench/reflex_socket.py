"""A Reflex backend's processes (port, CPU time, stop) and a websocket client that speaks to
it as a browser tab does (Engine.IO 4 / Socket.IO 5 over wsproto), shared by the
benchmarks that drive apps with raw clients (bench/search_events, bench/state_memory).
Loopback only.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, RejectConnection, Request, TextMessage

from tests.fixtures.processes import stop_group

NAMESPACE = "/_event"
HYDRATE = "reflex___state____state.hydrate"
# What a browser sends on connecting: the snapshot, then the page's on-load events.
HYDRATE_AND_LOAD = "reflex___state____state.hydrate_and_load"
ROOT_STATE = "reflex___state____state"


class WebSocket:
    """A blocking websocket client on wsproto (no compression, as small as it gets)."""

    def __init__(self, port: int, target: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.sock.sendall(self.ws.send(Request(host=f"127.0.0.1:{port}", target=target)))
        self.messages: list[str] = []
        self.partial = ""
        self.send_lock = threading.Lock()
        while True:
            self.ws.receive_data(self.sock.recv(65536))
            for event in self.ws.events():
                if isinstance(event, AcceptConnection):
                    return
                if isinstance(event, RejectConnection):
                    raise RuntimeError("websocket refused")

    def send(self, text: str) -> None:
        with self.send_lock:
            self.sock.sendall(self.ws.send(TextMessage(data=text)))

    def receive(self) -> str | None:
        """The next text message; None when the connection has closed."""
        while not self.messages:
            try:
                data = self.sock.recv(262144)
            except OSError:
                return None
            if not data:
                return None
            self.ws.receive_data(data)
            for event in self.ws.events():
                if isinstance(event, TextMessage):
                    self.partial += event.data
                    if event.message_finished:
                        self.messages.append(self.partial)
                        self.partial = ""
                elif isinstance(event, Ping):
                    with self.send_lock:
                        self.sock.sendall(self.ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    return None
        return self.messages.pop(0)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


@dataclass
class Answer:
    at: float
    delta: dict


@dataclass
class Session:
    """One browser tab: a websocket speaking Engine.IO 4 / Socket.IO 5."""

    port: int
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    answers: list[Answer] = field(default_factory=list)
    frames: int = 0

    def __post_init__(self) -> None:
        self.ws = WebSocket(self.port, f"/_event/?EIO=4&transport=websocket&token={self.token}")
        # Some servers hold the Engine.IO open packet until the client speaks: the
        # namespace connect goes first, then the open packet and the acknowledgement.
        self.ws.send(f"40{NAMESPACE},")
        while True:
            message = self.ws.receive()
            if message is None:
                raise RuntimeError("no Socket.IO connect acknowledgement")
            if message.startswith(f"40{NAMESPACE},"):
                break
        self.ws.sock.settimeout(None)
        self.arrived = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        prefix = f"42{NAMESPACE},"
        while (message := self.ws.receive()) is not None:
            if message == "2":  # Engine.IO ping
                self.ws.send("3")
                continue
            if not message.startswith(prefix):
                continue
            name, *body = json.loads(message[len(prefix) :])
            if name != "event" or not body:
                continue
            with self.arrived:
                self.frames += 1
                self.answers.append(Answer(time.perf_counter(), body[0].get("delta") or {}))
                self.arrived.notify_all()

    def send(self, name: str, payload: dict | None = None, path: str = "/") -> float:
        packet = {
            "name": name,
            "payload": payload or {},
            "router_data": {"pathname": path, "query": {}, "asPath": path},
        }
        sent_at = time.perf_counter()
        self.ws.send(f"42{NAMESPACE}," + json.dumps(["event", packet]))
        return sent_at

    def wait_for(self, check: Callable[[list[Answer]], bool], timeout: float = 10) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: check(self.answers), timeout=timeout)

    def hydrate(self) -> None:
        self.send(HYDRATE)
        self.wait_for(lambda answers: len(answers) >= 1)
        time.sleep(0.3)  # on_load events, if any, land too
        with self.arrived:
            self.answers.clear()
            self.frames = 0

    def hydrate_and_load(self, hashes: list[str] | None = None, path: str = "/") -> tuple[int, int]:
        """Connect as a browser tab does on its first load: `hydrate_and_load` carrying the
        hashes of the compiled initial state (see `initial_state_hashes`), then the page's
        on-load events. Returns the frames and bytes of state received."""
        self.send(HYDRATE_AND_LOAD, {"hashes": hashes} if hashes else {}, path)
        # The page is loaded once the root state says so (after the on-load events, if any).
        self.wait_for(
            lambda answers: any(answer.delta.get(ROOT_STATE, {}).get("is_hydrated_rx_state_") for answer in answers),
            timeout=60,
        )
        with self.arrived:
            received = self.frames, sum(len(json.dumps(answer.delta)) for answer in self.answers)
            self.answers.clear()
            self.frames = 0
        return received

    def close(self) -> None:
        self.ws.close()


def initial_state_hashes(cwd: Path, env: dict[str, str], python: Path) -> list[str]:
    """The hashes of the initial state an app's compiled frontend holds (and sends on its
    first hydrate), computed the way Reflex's compiler does, in a process of their own."""
    script = (
        "import json\n"
        "from reflex.utils import prerequisites\n"
        "prerequisites.get_and_validate_app()\n"
        "from reflex.compiler.utils import compile_state\n"
        "from reflex.state import State, state_snapshot_hashes\n"
        "print(json.dumps(state_snapshot_hashes(compile_state(State))))\n"
    )
    out = subprocess.run([str(python), "-c", script], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log: Path

    def pids(self) -> list[int]:
        """The backend's processes: the supervisor and every descendant."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        found, stack = [], [self.process.pid]
        while stack:
            pid = stack.pop()
            found.append(pid)
            stack.extend(children.get(pid, []))
        return found

    def cpu_seconds(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / ticks

    def stop(self) -> None:
        stop_group(self.process)
