"""docker-compose.yml (distributed) and docker-compose.small.yml (one of each), checked with
Debian's docker-compose (no Docker engine needed)."""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from common.run_settings import RunSettings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "POSTGRES_PASSWORD": "compose-test-password",
    "MINIO_ROOT_USER": "memes",
    "MINIO_ROOT_PASSWORD": "compose-test-password",
    "MEDIA_TOKEN": "compose-test-token-0123456789",
}
SHUTDOWN_TIMEOUT = RunSettings.model_fields["shutdown_timeout_seconds"].default


def compose_config(
    env: dict[str, str], tmp_path: Path, file: str = "docker-compose.small.yml"
) -> subprocess.CompletedProcess:
    # An empty env file: a developer's own .env must not change what is checked.
    empty_env = tmp_path / "empty.env"
    empty_env.touch()
    return subprocess.run(
        [
            "docker-compose",
            "--project-directory",
            str(ROOT),
            "-f",
            str(ROOT / file),
            "--env-file",
            str(empty_env),
            "config",
        ],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **env},
    )


def test_small_compose_file_is_valid_and_publishes_only_the_api(tmp_path):
    result = compose_config(SECRETS, tmp_path)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {"postgres", "minio", "media", "api", "worker"}
    assert [name for name, service in services.items() if service.get("ports")] == ["api"]
    assert all("healthcheck" in service for service in services.values())
    assert services["postgres"]["image"] == "postgres:16"
    assert services["api"]["environment"]["MEDIA_URL"] == "http://media:8081"
    assert services["worker"]["command"] == ["python", "-m", "api", "worker"]
    assert services["worker"]["environment"]["MEDIA_URL"] == "http://media:8081"
    assert services["api"]["environment"]["LOG_FORMAT"] == "json"


def test_the_distributed_shape_scales_behind_one_load_balancer(tmp_path):
    result = compose_config(SECRETS, tmp_path, "docker-compose.yml")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    nodes = {f"minio{n}" for n in range(1, 5)}
    assert set(services) == {"postgres", "postgres-replica", "lb", "media", "api", "worker"} | nodes
    assert [name for name, service in services.items() if service.get("ports")] == ["lb"]
    assert all("healthcheck" in service for service in services.values())
    for node in nodes:  # one cluster, erasure-coded over four drives
        assert services[node]["command"][:2] == ["server", "http://minio{1...4}/data"]
        assert services[node]["hostname"] == node
    for name in ("api", "media"):  # scalable: nothing that a second replica would clash on
        assert "container_name" not in services[name]
        assert "/ready" in " ".join(services[name]["healthcheck"]["test"])
        assert services[name]["environment"]["LOG_FORMAT"] == "json"
    assert services["media"]["environment"]["S3_ENDPOINT_URL"] == "http://lb:9000"
    for name in ("api", "worker"):
        assert services[name]["environment"]["MEDIA_URL"] == "http://lb:8081"
    assert "DATABASE_REPLICA_URL" not in services["worker"]["environment"]  # it reads no lists
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    for upstream in ("server api:8080 resolve", "server media:8081 resolve"):
        assert upstream in nginx
    assert all(f"server {node}:9000" in nginx for node in nodes)


def test_the_api_reads_lists_from_a_streaming_replica(tmp_path):
    """A replica copied from the primary with `pg_basebackup -R` (it then follows the primary),
    allowed to stream by the primary's pg_hba.conf; the api reads from it, the worker not."""
    services = yaml.safe_load(compose_config(SECRETS, tmp_path, "docker-compose.yml").stdout)[
        "services"
    ]
    replica = services["postgres-replica"]
    assert replica["image"] == services["postgres"]["image"] == "postgres:16"
    script = " ".join(replica["command"])
    assert "pg_basebackup -h postgres -U memes -D" in script and "-R -X stream" in script
    assert script.rstrip().endswith("exec postgres")
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert replica["environment"]["PGPASSWORD"] == SECRETS["POSTGRES_PASSWORD"]
    assert replica["volumes"] == ["postgres-replica-data:/var/lib/postgresql/data:rw"]
    script = ROOT / "deploy" / "postgres-replication.sh"
    init = f"{script}:/docker-entrypoint-initdb.d/replication.sh:ro"
    assert init in services["postgres"]["volumes"]
    assert "host replication memes all scram-sha-256" in script.read_text()
    assert services["api"]["environment"]["DATABASE_REPLICA_URL"] == (
        "postgresql://memes:compose-test-password@postgres-replica:5432/memes"
    )
    assert "postgres-replica" not in services["api"].get("depends_on", {})  # not waited for


def proxy_headers(nginx: str, port: int) -> dict[str, str]:
    """What nginx's server on `port` sets on the requests it passes on: its own
    `proxy_set_header` lines or, if it has none, the http block's (nginx inherits all or none)."""
    http, *servers = re.split(r"\bserver \{", nginx)
    [server] = [server for server in servers if re.search(rf"\blisten {port};", server)]
    header = re.compile(r"^\s*proxy_set_header (\S+) (.+?);", re.MULTILINE)
    return dict(header.findall(server) or header.findall(http))


def test_the_load_balancer_passes_minio_the_host_that_media_signed():
    """S3 signatures cover the Host header: `lb:9000`, port and all ($host would drop it)."""
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    minio = proxy_headers(nginx, 9000)
    assert minio["Host"] == "$http_host"
    assert minio["Connection"] == '""'  # keep-alive to the upstream, still set there
    for port in (8080, 8081):  # the api's and media's own: the Host as the client sent it too
        assert proxy_headers(nginx, port)["Host"] == "$http_host"


def test_services_get_longer_to_stop_than_their_shutdown_timeout(tmp_path):
    """Docker's default is 10 s, then SIGKILL: uploads still arriving would be cut."""
    for file in ("docker-compose.yml", "docker-compose.small.yml"):
        services = yaml.safe_load(compose_config(SECRETS, tmp_path, file).stdout)["services"]
        for name in ("api", "media", "worker"):
            environment = services[name]["environment"]
            timeout = float(environment.get("SHUTDOWN_TIMEOUT_SECONDS", SHUTDOWN_TIMEOUT))
            grace = services[name].get("stop_grace_period", "10s")
            assert float(grace.removesuffix("s")) > timeout, (file, name, grace)


def test_every_service_is_started_again_when_it_dies(tmp_path):
    """A crash or an OOM kill of any container (PostgreSQL too) is not the end of the service."""
    for file in ("docker-compose.yml", "docker-compose.small.yml"):
        services = yaml.safe_load(compose_config(SECRETS, tmp_path, file).stdout)["services"]
        policies = {name: service.get("restart") for name, service in services.items()}
        assert set(policies.values()) <= {"unless-stopped", "always", "on-failure"}, (file, policies)


def test_compose_refuses_to_start_without_secrets(tmp_path):
    for file in ("docker-compose.yml", "docker-compose.small.yml"):
        result = compose_config({}, tmp_path, file)
        assert result.returncode != 0
        assert "POSTGRES_PASSWORD" in result.stderr or "MINIO_ROOT" in result.stderr


def test_services_are_built_from_the_image_that_runs_as_a_non_root_user(tmp_path):
    for file in ("docker-compose.yml", "docker-compose.small.yml"):
        services = yaml.safe_load(compose_config(SECRETS, tmp_path, file).stdout)["services"]
        for name in ("api", "media"):
            assert services[name]["build"]["args"] == {"SERVICE": name}
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "\nUSER memes\n" in dockerfile
    assert 'python -m \\"$SERVICE\\"' in dockerfile
