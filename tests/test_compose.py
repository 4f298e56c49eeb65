"""docker-compose.yml, checked with Debian's docker-compose (no Docker engine needed)."""

import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "POSTGRES_PASSWORD": "compose-test-password",
    "MINIO_ROOT_USER": "memes",
    "MINIO_ROOT_PASSWORD": "compose-test-password",
    "MEDIA_TOKEN": "compose-test-token-0123456789",
}


def compose_config(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    # An empty env file: a developer's own .env must not change what is checked.
    empty_env = tmp_path / "empty.env"
    empty_env.touch()
    return subprocess.run(
        [
            "docker-compose",
            "--project-directory",
            str(ROOT),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(empty_env),
            "config",
        ],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **env},
    )


def test_compose_file_is_valid_and_publishes_only_the_api(tmp_path):
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


def test_compose_refuses_to_start_without_secrets(tmp_path):
    result = compose_config({}, tmp_path)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_services_are_built_from_the_image_that_runs_as_a_non_root_user(tmp_path):
    services = yaml.safe_load(compose_config(SECRETS, tmp_path).stdout)["services"]
    for name in ("api", "media"):
        assert services[name]["build"]["args"] == {"SERVICE": name}
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "\nUSER memes\n" in dockerfile
    assert 'python -m \\"$SERVICE\\"' in dockerfile
