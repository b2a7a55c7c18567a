"""`make class` started as a user starts it, in a process group of its own, and stopped by
the group's id: HAProxy on 127.0.0.1 in front of N replicas, each known by name, pid and
address (from the lines deploy/classroom.py prints)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.server import ROOT, free_port

READY = "the class is open at"
REPLICA = re.compile(r"^replica (r\d+): pid (\d+) on (\S+),", re.MULTILINE)


@dataclass
class Replica:
    name: str
    pid: int
    url: str  # the replica itself, not through the balancer


@dataclass
class Classroom:
    process: subprocess.Popen  # make, leader of the process group
    url: str  # the balancer
    replicas: dict[str, Replica] = field(default_factory=dict)


def free_ports(count: int) -> int:
    """A port such that it and the `count - 1` ports after it are free on 127.0.0.1."""
    while True:
        port = free_port()
        if port + count < 65536 and all(_free(port + i) for i in range(1, count)):
            return port


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_class(replicas: int, log_path: Path, env: dict | None = None, timeout: float = 120) -> Classroom:
    """`make class REPLICAS=replicas` on 127.0.0.1 with this interpreter's virtualenv (installed
    already: -o tells make not to install it again); returns once HAProxy answers."""
    port = free_ports(replicas + 1)
    venv = sys.prefix
    command = ["make", "--no-print-directory", "class", f"REPLICAS={replicas}", f"PORT={port}", "ADDRESS=127.0.0.1",
               f"VENV={venv}", "-o", f"{venv}/.app"]
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the class's lifetime
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                               start_new_session=True)
    deadline = time.monotonic() + timeout
    while READY not in (text := log_path.read_text(errors="replace")):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_class(Classroom(process, ""))
            raise RuntimeError(f"make class did not open within {timeout} s: {text[-3000:]}")
        time.sleep(0.2)
    found = {name: Replica(name, int(pid), f"http://{address}") for name, pid, address in REPLICA.findall(text)}
    return Classroom(process, f"http://127.0.0.1:{port}", found)


def stop_class(classroom: Classroom, timeout: float = 20) -> bool:
    """SIGTERM to the process group, as a terminal's Ctrl-C reaches all of it; SIGKILL to
    whatever is left after `timeout` seconds. True when SIGTERM was enough."""
    group = classroom.process.pid
    try:
        os.killpg(group, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    classroom.process.wait(timeout)
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)
    return False
