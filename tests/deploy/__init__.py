"""Tests of deploy/ and of the files that deploy the app elsewhere (Dockerfile, compose.yaml)."""

import os
import subprocess

from deploy.classroom import SBIN, haproxy_binary


def haproxy_accepts(config: str, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    env = {**os.environ, "DIGITNET_LISTEN": "127.0.0.1:8501", "PATH": f"{os.environ['PATH']}:{SBIN}"}
    return subprocess.run([haproxy_binary(), "-c", "-f", str(path)], env=env, capture_output=True, text=True)
