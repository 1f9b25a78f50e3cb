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
