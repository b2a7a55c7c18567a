"""The app served on 127.0.0.1: `streamlit run app.py` on a free port, stopped by its PID."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(log_path: Path, env: dict | None = None, port: int | None = None, prefix: tuple = ()):
    """Start `streamlit run app.py` on 127.0.0.1; returns (process, url) once it answers. `prefix`
    is a command that execs the rest (the process keeps its PID), such as a namespace's."""
    port = port or free_port()
    command = [*prefix,
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the server's lifetime
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with code {process.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as answer:
                if answer.read() == b"ok":
                    return process, url
        except OSError:
            time.sleep(0.2)
    stop_app(process)
    raise RuntimeError(f"the app did not answer within 60 s: {log_path.read_text()[-2000:]}")


def stop_app(process) -> None:
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def server_tracebacks(log: Path) -> int:
    """Tracebacks in the server's log, other than a browser tab going away."""
    blocks = log.read_text(errors="replace").split("Traceback (most recent call last)")[1:]
    return sum(1 for block in blocks if "WebSocketDisconnect" not in block[:3000])
