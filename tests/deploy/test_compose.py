"""The deploy files hang together: every service, image, port, variable and volume.

No container runtime is needed: the compose file is read as YAML and each
reference is checked against what it names (files in the repository, settings
of the service, declared volumes and networks, the port `serve` listens on).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from survey_service.settings import Settings, settings_table

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
#: Variables compose itself needs that are not settings of the service.
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "SITE_ADDRESS", "MIGRATE_ON_START"}
APP_SERVICES = ("web-1", "web-2", "worker")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _settings_variables() -> set[str]:
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", settings_table(), re.MULTILINE))


def test_every_service_has_an_image_and_a_restart_policy(compose) -> None:
    services = compose["services"]
    assert {"db", "redis", "proxy", *APP_SERVICES} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        assert service.get("restart") == "unless-stopped", name
    build = services["web-1"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()


def test_two_app_processes_a_worker_and_nothing_internal_on_the_host(compose) -> None:
    services = compose["services"]
    for name in ("web-1", "web-2"):
        assert services[name].get("command") is None, "the image's serve command"
    assert services["worker"]["command"] == ["survey-service", "worker"]
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"proxy"}, "only the proxy is reachable from outside"
    assert sorted(services["proxy"]["ports"]) == ["443:443", "80:80"]


def test_references_name_declared_services_volumes_and_networks(compose) -> None:
    services = compose["services"]
    declared_volumes = set(compose.get("volumes", {}))
    declared_networks = set(compose.get("networks", {}))
    used_volumes: set[str] = set()
    for name, service in services.items():
        for other in service.get("depends_on", []):
            assert other in services, f"{name} depends on unknown {other}"
        for network in service.get("networks", []):
            assert network in declared_networks, f"{name}: unknown network {network}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in declared_volumes, f"{name}: undeclared volume {source}"
                used_volumes.add(source)
    assert used_volumes == declared_volumes, "every declared volume is used"


def test_every_app_variable_is_a_setting_and_production_keys_are_required(compose) -> None:
    known = _settings_variables()
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        unknown = set(environment) - known - COMPOSE_ONLY
        assert not unknown, f"{name}: {sorted(unknown)} are not settings"
        assert environment["SERVICE_MODE"] == "production"
        for key in ("SECRET_KEY", "PHONE_KEYS", "PHONE_HASH_KEY", "PUBLIC_BASE_URL"):
            # ${VAR:?message}: compose refuses to start when it is unset.
            assert re.fullmatch(r"\$\{" + key + r":\?[^}]+\}", environment[key]), key
    worker = compose["services"]["worker"]["environment"]
    assert worker["MIGRATE_ON_START"] == "0"


def test_trusted_proxies_is_the_proxy_network_only(compose) -> None:
    environment = compose["services"]["web-1"]["environment"]
    edge = compose["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    assert environment["TRUSTED_PROXIES"] == edge
    assert compose["services"]["proxy"]["networks"] == ["edge"]
    assert "edge" not in compose["services"]["db"]["networks"]
    assert "edge" not in compose["services"]["redis"]["networks"]


def test_every_variable_in_the_example_environment_is_referenced(compose) -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    referenced = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    example = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "environment.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert example == referenced
    assert referenced - COMPOSE_ONLY <= _settings_variables()


def test_the_proxy_forwards_to_the_app_port_and_checks_readiness() -> None:
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    container = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    port = re.search(r'"--port", "(\d+)"', container)
    assert port is not None
    targets = re.findall(r"(web-\d):(\d+)", caddyfile)
    assert sorted(targets) == [("web-1", port.group(1)), ("web-2", port.group(1))]
    assert "health_uri /ready" in caddyfile
    assert "output discard" in caddyfile, "no access log of survey links"


def test_the_image_is_non_root_compiles_catalogues_and_migrates_on_start() -> None:
    container = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    assert re.search(r"^USER survey$", container, re.MULTILINE)
    assert "survey-service i18n compile" in container and "i18n check" in container
    assert 'ENTRYPOINT ["survey-entrypoint"]' in container
    entrypoint = (DEPLOY / "entrypoint.sh").read_text(encoding="utf-8")
    assert "survey-service db migrate" in entrypoint and 'exec "$@"' in entrypoint
    for source in re.findall(r"^COPY (\S+)", container, re.MULTILINE):
        assert (DEPLOY.parent / source).exists(), source


def test_environment_reference_is_the_generated_table() -> None:
    text = (DEPLOY / "ENVIRONMENT.md").read_text(encoding="utf-8")
    begin, end = "<!-- settings table: generated by settings_table() -->", "<!-- end"
    written = text.split(begin, 1)[1].split(end, 1)[0].strip()
    assert written == settings_table().strip(), (
        "deploy/ENVIRONMENT.md is out of date: python scripts/update_settings_tables.py"
    )
    assert len(_settings_variables()) == len(
        [f for f in Settings.__dataclass_fields__.values() if "env" in f.metadata]
    )
