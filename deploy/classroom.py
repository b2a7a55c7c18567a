"""A class on one machine: several app processes behind HAProxy, in the foreground.

    python -m deploy.classroom [--replicas N] [--port 8501] [--address 0.0.0.0]
    python -m deploy.classroom --servers r1=10.0.0.11:8502 r2=10.0.0.12:8502 [--port 8501]
    python -m deploy.classroom --replicas 2 --write-config FILE    (- for standard output)

`make class` runs the first form: N replicas of the app (`streamlit run app.py`) on
127.0.0.1, ports PORT+1 to PORT+N, named r1 to rN (DIGITNET_REPLICA), each with its share of
the cores as training slots (DIGITNET_TRAINING_SLOTS), and HAProxy on ADDRESS:PORT with
deploy/haproxy.cfg and one server line per replica. Learners open http://<this machine>:PORT.

One Streamlit process trains in threads and the interpreter lets it use little more than one
core, so a machine with more cores serves more learners with more processes (bench/replicas.py
measures it).

--servers runs HAProxy alone, in front of app processes already running elsewhere, each
started with DIGITNET_REPLICA set to its name here. --write-config writes the configuration
and exits (compose.yaml renders it this way).

Ctrl-C or SIGTERM stops everything; a replica that dies is reported and the class goes on with
the others (its learners' browsers move to them and start afresh); if HAProxy or every
replica stops, the rest is stopped too.
"""

import argparse
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from digitnet.app_support.serving.replica import REPLICA_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "haproxy.cfg"
SBIN = "/usr/sbin:/sbin"  # where Debian puts haproxy, often missing from a user's PATH
STARTUP_SECONDS = 90  # for every replica to answer its health check (a busy two-core machine needs ~10)
STOP_SECONDS = 10  # after SIGTERM, before SIGKILL


def replica_name(index: int) -> str:
    """r1, r2, ...: the HAProxy server name, its cookie value and the replica's DIGITNET_REPLICA."""
    return f"r{index + 1}"


def training_slots(cores: int, replicas: int) -> int:
    """Each replica's share of the cores for training at once: at least one."""
    return max(1, cores // replicas)


def render(servers: list[tuple[str, str]]) -> str:
    """deploy/haproxy.cfg with a server line for each (name, host:port)."""
    lines = [f"    server {name} {address} cookie {name}" for name, address in servers]
    return TEMPLATE.read_text().rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def haproxy_binary() -> str:
    found = shutil.which("haproxy", path=f"{os.environ.get('PATH', '')}:{SBIN}")
    if found is None:
        sys.exit("HAProxy is not installed: sudo apt-get install -y haproxy (make class does it when run as root)")
    return found


def die_with_parent() -> None:
    """In a child before it runs: SIGTERM when this supervisor dies, even by SIGKILL (Linux's
    PR_SET_PDEATHSIG), so no replica outlives it."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def forward_output(name: str, stream) -> None:
    """A child's output, each line prefixed with its name, in a thread of its own."""

    def copy():
        for line in iter(stream.readline, b""):
            sys.stdout.write(f"[{name}] {line.decode(errors='replace')}")
            sys.stdout.flush()

    threading.Thread(target=copy, daemon=True).start()


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    address: str = ""

    def alive(self) -> bool:
        return self.process.poll() is None


def start(name: str, command: list[str], env: dict) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               preexec_fn=die_with_parent)
    forward_output(name, process.stdout)
    return process


def start_replica(index: int, port: int, slots: int) -> Child:
    name = replica_name(index)
    env = {**os.environ, REPLICA_VARIABLE: name, "DIGITNET_TRAINING_SLOTS": str(slots)}
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
               "--server.port", str(port), "--server.headless", "true"]
    return Child(name, start(name, command, env), f"127.0.0.1:{port}")


def healthy(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/_stcore/health", timeout=2) as answer:
            return answer.read() == b"ok"
    except OSError:
        return False


def wait_until_healthy(replicas: list[Child]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = list(replicas)
    while waiting:
        if dead := [child for child in waiting if not child.alive()]:
            raise SystemExit(f"replica {dead[0].name} exited with code {dead[0].process.returncode} while starting")
        if time.monotonic() > deadline:
            raise SystemExit(f"replicas {[child.name for child in waiting]} did not answer within {STARTUP_SECONDS} s")
        waiting = [child for child in waiting if not healthy(child.address)]
        time.sleep(0.2)


def stop(children: list[Child]) -> None:
    """SIGTERM to each child still running, SIGKILL to any still there after STOP_SECONDS."""
    for child in children:
        if child.alive():
            child.process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        try:
            child.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def supervise(balancer: Child, replicas: list[Child]) -> int:
    """Until HAProxy or every replica has stopped: the exit code."""
    reported: set[str] = set()
    while True:
        if not balancer.alive():
            print(f"HAProxy exited with code {balancer.process.returncode}: stopping the class", flush=True)
            return 1
        for child in replicas:
            if not child.alive() and child.name not in reported:
                reported.add(child.name)
                print(f"replica {child.name} stopped (exit code {child.process.returncode}); the class goes on with "
                      "the others, and its learners' browsers move to them with a fresh session", flush=True)
        if replicas and len(reported) == len(replicas):
            print("every replica has stopped: stopping the class", flush=True)
            return 1
        time.sleep(0.5)


def parse_servers(values: list[str]) -> list[tuple[str, str]]:
    servers = []
    for value in values:
        name, _, address = value.partition("=")
        if not name or ":" not in address:
            sys.exit(f"--servers takes NAME=HOST:PORT, e.g. r1=10.0.0.11:8502; got {value!r}")
        servers.append((name, address))
    return servers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cores = len(os.sched_getaffinity(0))
    parser.add_argument("--replicas", type=int, default=cores, help=f"app processes (default: one per core, {cores})")
    parser.add_argument("--port", type=int, default=8501, help="where learners connect (HAProxy)")
    parser.add_argument("--address", default="0.0.0.0", help="HAProxy's address (127.0.0.1: this machine only)")
    parser.add_argument("--first-replica-port", type=int, help="the replicas' ports from here on (default: PORT+1)")
    parser.add_argument("--servers", nargs="+", metavar="NAME=HOST:PORT", help="balance these instead of starting any")
    parser.add_argument("--write-config", metavar="FILE", help="write HAProxy's configuration (- for stdout) and exit")
    args = parser.parse_args()
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    first_port = args.first_replica_port or args.port + 1
    local = not args.servers
    ports = [first_port + i for i in range(args.replicas)]
    servers = parse_servers(args.servers) if args.servers else [
        (replica_name(i), f"127.0.0.1:{port}") for i, port in enumerate(ports)]
    config = render(servers)
    if args.write_config == "-":
        sys.stdout.write(config)
    elif args.write_config:
        Path(args.write_config).write_text(config)
    if args.write_config:
        return

    haproxy = haproxy_binary()
    # Ctrl-C (SIGINT to the terminal's process group) and SIGTERM both end in the `finally` below;
    # SIGINT explicitly, as a shell starting `make class &` has it ignored otherwise.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: sys.exit(0))
    children: list[Child] = []
    with tempfile.TemporaryDirectory(prefix="digitnet-class-") as folder:
        config_file = Path(folder) / "haproxy.cfg"
        config_file.write_text(config)
        try:
            if local:
                slots = training_slots(cores, args.replicas)
                children = [start_replica(i, port, slots) for i, port in enumerate(ports)]
                for child in children:
                    print(f"replica {child.name}: pid {child.process.pid} on {child.address}, "
                          f"{slots} training slot{'s' if slots > 1 else ''}", flush=True)
                wait_until_healthy(children)
            listen = f"{args.address}:{args.port}"
            env = {**os.environ, "DIGITNET_LISTEN": listen}
            balancer = Child("haproxy", start("haproxy", [haproxy, "-db", "-f", str(config_file)], env), listen)
            children.append(balancer)
            wait_until_healthy([balancer])
            print(f"the class is open at http://{'<this machine>' if args.address == '0.0.0.0' else args.address}"
                  f":{args.port} ({len(servers)} replica{'s' if len(servers) > 1 else ''}; Ctrl-C stops it)",
                  flush=True)
            code = supervise(balancer, [child for child in children if child is not balancer])
        finally:
            stop(children)
    sys.exit(code)


if __name__ == "__main__":
    main()
