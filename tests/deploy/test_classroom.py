"""deploy/classroom.py and deploy/haproxy.cfg: the configuration HAProxy itself accepts, one
server line per replica, and each replica's share of the cores. tests/browser/test_browser_classroom.py
runs the whole class through `make class`."""

import re
import subprocess
import sys

import pytest

from deploy.classroom import ROOT, render, replica_name, training_slots
from digitnet.app_support.serving.replica import SESSION_COOKIE
from tests.deploy import haproxy_accepts


@pytest.mark.parametrize("replicas", [1, 2, 8])
def test_haproxy_accepts_the_configuration_for_any_number_of_replicas(replicas, tmp_path):
    servers = [(replica_name(i), f"127.0.0.1:{8502 + i}") for i in range(replicas)]
    config = render(servers)
    checked = haproxy_accepts(config, tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert re.findall(r"^\s+server (\S+) (\S+) cookie (\S+)$", config, re.MULTILINE) == [
        (name, address, name) for name, address in servers]


def test_the_balancer_names_the_replica_in_the_cookie_the_app_reads(tmp_path):
    config = render([("r1", "127.0.0.1:8502")])
    assert f'"{SESSION_COOKIE}=%[srv_name];' in config and "if { status 101 }" in config


def test_haproxy_refuses_a_broken_configuration(tmp_path):
    """The check above can fail: a server line outside the backend is refused."""
    checked = haproxy_accepts(render([("r1", "127.0.0.1:8502")]).replace("backend replicas", "# gone"), tmp_path)
    assert checked.returncode != 0


def test_each_replica_gets_its_share_of_the_cores_and_at_least_one_slot():
    assert training_slots(cores=2, replicas=1) == 2
    assert training_slots(cores=2, replicas=2) == 1
    assert training_slots(cores=2, replicas=4) == 1
    assert training_slots(cores=16, replicas=4) == 4


def test_the_configuration_for_machines_elsewhere_is_written_from_their_addresses(tmp_path):
    out = tmp_path / "haproxy.cfg"
    subprocess.run([sys.executable, "-m", "deploy.classroom", "--servers", "r1=10.0.0.11:8502", "r2=10.0.0.12:8502",
                    "--write-config", str(out)], check=True, cwd=ROOT)
    config = out.read_text()
    assert "server r1 10.0.0.11:8502 cookie r1" in config and "server r2 10.0.0.12:8502 cookie r2" in config
    assert haproxy_accepts(config, tmp_path).returncode == 0
    unnamed = ["--servers", "10.0.0.11:8502", "--write-config", "-"]
    bad = subprocess.run([sys.executable, "-m", "deploy.classroom", *unnamed], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode != 0 and "NAME=HOST:PORT" in bad.stderr
