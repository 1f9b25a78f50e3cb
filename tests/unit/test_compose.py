"""compose.yaml sets only settings docflow reads, and every long-running service is checked."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from docflow.core.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


def load() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return env


def one_shot_services(compose: dict) -> set[str]:
    """Services others wait for to *complete* (they exit, so they have no healthcheck)."""
    names: set[str] = set()
    for service in compose["services"].values():
        depends = service.get("depends_on", {})
        if isinstance(depends, dict):
            for name, condition in depends.items():
                if condition.get("condition") == "service_completed_successfully":
                    names.add(name)
    return names


def test_every_docflow_variable_in_compose_is_a_setting() -> None:
    known = set(Settings.ENV_VARS.values())
    used = {
        name
        for service in load()["services"].values()
        for name in environment(service)
        if name.startswith("DOCFLOW_")
    }
    assert used, "compose.yaml configures docflow through DOCFLOW_* variables"
    assert used <= known, f"compose sets variables docflow does not read: {used - known}"


def test_docflow_runs_in_production_with_a_required_secret() -> None:
    env = environment(load()["services"]["docflow"])
    assert env["DOCFLOW_ENV"] == "production"
    assert re.fullmatch(r"\$\{DOCFLOW_SECRET_KEY:\?.+\}", env["DOCFLOW_SECRET_KEY"])
    assert env["DOCFLOW_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["DOCFLOW_STORAGE_URL"].startswith("s3://")
    assert "DOCFLOW_DEMO_PASSWORD" not in env


def test_long_running_services_have_healthchecks() -> None:
    compose = load()
    one_shot = one_shot_services(compose)
    for name, service in compose["services"].items():
        if name in one_shot:
            continue
        assert "test" in service.get("healthcheck", {}), f"{name} has no healthcheck"


def test_docflow_waits_for_healthy_dependencies_and_the_bucket() -> None:
    depends = load()["services"]["docflow"]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["minio"]["condition"] == "service_healthy"
    assert depends["minio-init"]["condition"] == "service_completed_successfully"


def test_data_lives_in_named_volumes() -> None:
    compose = load()
    declared = set(compose.get("volumes", {}))
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if source.startswith((".", "/")):
                continue  # a bind mount of configuration (e.g. ./secrets), not data
            assert source in declared, f"{name} uses undeclared volume {source}"
    for stateful in ("postgres", "minio"):
        sources = [v.split(":", 1)[0] for v in compose["services"][stateful]["volumes"]]
        assert any(s in declared for s in sources), f"{stateful} keeps its data in a named volume"


def test_the_owner_migrates_and_the_service_runs_as_another_role() -> None:
    services = load()["services"]
    migrate, app = environment(services["migrate"]), environment(services["docflow"])
    owner = migrate["DOCFLOW_MIGRATIONS_DATABASE_URL"].split("://", 1)[1].split(":", 1)[0]
    service = app["DOCFLOW_DATABASE_URL"].split("://", 1)[1].split(":", 1)[0]
    assert owner != service
    assert migrate["DOCFLOW_DATABASE_URL"].startswith(f"postgresql+asyncpg://{service}:")
    # the serving container never holds the owner's password, and does not migrate
    assert "DOCFLOW_MIGRATIONS_DATABASE_URL" not in app
    assert "upgrade" not in " ".join(services["docflow"]["command"])
    depends = services["docflow"]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"


WEB_INSTANCES = ("docflow", "docflow-2")


def _workers(service: dict) -> int:
    command = service["command"]
    return int(command[command.index("--workers") + 1]) if "--workers" in command else 1


def test_two_web_instances_serve_with_workers_and_leave_background_work_to_the_worker() -> None:
    services = load()["services"]
    for name in WEB_INSTANCES:
        service = services[name]
        assert service["command"][:2] == ["docflow", "serve"]
        assert _workers(service) == 2
        assert environment(service)["DOCFLOW_WEB_BACKGROUND"] == "off"
        assert "ports" not in service, f"{name} is reached through the proxy only"
    worker = services["worker"]
    assert worker["command"] == ["docflow", "worker"]
    assert environment(worker)["DOCFLOW_DATABASE_URL"] == environment(
        services["docflow"]
    )["DOCFLOW_DATABASE_URL"]


def test_the_proxy_spreads_over_both_instances_and_is_the_trusted_one() -> None:
    services = load()["services"]
    proxy = services["proxy"]
    mounted = [v.split(":", 1)[0] for v in proxy["volumes"]]
    config = COMPOSE.parent / mounted[0].removeprefix("./")
    text = config.read_text()
    for name in WEB_INSTANCES:
        assert f"{name}:8000" in text
        assert proxy["depends_on"][name]["condition"] == "service_healthy"
    assert "health_uri /health" in text
    address = proxy["networks"]["docflow"]["ipv4_address"]
    for name in WEB_INSTANCES:
        assert environment(services[name])["DOCFLOW_TRUSTED_PROXIES"] == address
    assert any(port.endswith(":8000") for port in proxy["ports"])


def test_database_connections_fit_postgresql_default_max_connections() -> None:
    """Every process has its own pool: instances x workers x (pool + overflow), plus the
    worker's pool and its job runner's 2, stays under 100 - 3 reserved connections."""
    services = load()["services"]

    def per_process(service: dict) -> int:
        env = environment(service)
        return int(env["DOCFLOW_DB_POOL_SIZE"]) + int(env["DOCFLOW_DB_POOL_OVERFLOW"])

    web = sum(_workers(services[n]) * per_process(services[n]) for n in WEB_INSTANCES)
    total = web + per_process(services["worker"]) + 2
    assert total <= 97, total
