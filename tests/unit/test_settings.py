"""Settings: defaults, parsing errors, and what production refuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docflow.core.errors import ConfigurationError
from docflow.core.settings import DEV_PKI_DIR, Settings

STRONG_SECRET = "s" * 48


def production(**extra: str) -> dict[str, str]:
    return {"DOCFLOW_ENV": "production", "DOCFLOW_SECRET_KEY": STRONG_SECRET, **extra}


def test_defaults_are_the_embedded_setup(tmp_path: Path) -> None:
    settings = Settings.from_env({"DOCFLOW_DATA_DIR": str(tmp_path)})
    assert settings.env == "development"
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/docflow.db"
    assert settings.storage_url == f"file://{tmp_path}/objects"
    assert settings.demo_password == "docflow-demo"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.max_upload_mb == 100
    assert settings.trust_anchors == ()
    assert settings.tsa_url is None


def test_default_data_dir_is_var_and_urls_are_absolute() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path("var")
    assert settings.database_url.startswith("sqlite+aiosqlite:////")
    assert settings.storage_url == f"file://{Path('var').resolve() / 'objects'}"


def test_every_setting_has_an_env_var_and_a_description() -> None:
    assert set(Settings.ENV_VARS.values()) >= {
        "DOCFLOW_ENV",
        "DOCFLOW_DATA_DIR",
        "DOCFLOW_DATABASE_URL",
        "DOCFLOW_STORAGE_URL",
        "DOCFLOW_SECRET_KEY",
        "DOCFLOW_DEMO_PASSWORD",
        "DOCFLOW_HOST",
        "DOCFLOW_PORT",
        "DOCFLOW_PUBLIC_URL",
        "DOCFLOW_TSA_URL",
        "DOCFLOW_TRUST_ANCHORS",
        "DOCFLOW_SEAL_KEY_DIR",
        "DOCFLOW_MAX_UPLOAD_MB",
        "DOCFLOW_LOG_LEVEL",
    }
    assert all(name.startswith("DOCFLOW_") for name in Settings.ENV_VARS.values())


def test_values_are_parsed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.pem", tmp_path / "b.pem"
    settings = Settings.from_env(
        {
            "DOCFLOW_PORT": "9001",
            "DOCFLOW_TRUST_ANCHORS": f"{a}{os.pathsep}{b}",
            "DOCFLOW_MAX_UPLOAD_MB": "5",
            "DOCFLOW_LOG_LEVEL": "debug",
            "DOCFLOW_PUBLIC_URL": "https://docflow.haugiang.gov.vn/",
        }
    )
    assert settings.port == 9001
    assert settings.trust_anchors == (a, b)
    assert settings.max_upload_bytes == 5 * 1024 * 1024
    assert settings.log_level == "DEBUG"
    assert settings.public_url == "https://docflow.haugiang.gov.vn"


def test_unparseable_values_are_all_reported_in_sentences() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"DOCFLOW_PORT": "eighty", "DOCFLOW_ENV": "staging"})
    problems = caught.value.problems
    assert len(problems) == 2
    assert any("DOCFLOW_PORT is 'eighty'" in p for p in problems)
    assert any("DOCFLOW_ENV is 'staging'" in p for p in problems)


def test_from_env_is_cached_until_the_environment_changes(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCFLOW_DATA_DIR", str(tmp_path / "one"))
    first = Settings.from_env()
    assert Settings.from_env() is first
    monkeypatch.setenv("DOCFLOW_DATA_DIR", str(tmp_path / "two"))
    assert Settings.from_env().data_dir == tmp_path / "two"


def test_secrets_are_not_in_the_repr() -> None:
    settings = Settings.from_env(production(DOCFLOW_DEMO_PASSWORD="another-password"))
    assert STRONG_SECRET not in repr(settings)
    assert "another-password" not in repr(settings)


def test_development_accepts_the_demo_setup() -> None:
    Settings.from_env({}).validate_for_production()  # no-op outside production


def test_production_accepts_a_proper_setup(tmp_path: Path) -> None:
    anchor = tmp_path / "root-ca.pem"
    anchor.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = Settings.from_env(production(DOCFLOW_TRUST_ANCHORS=str(anchor)))
    assert settings.demo_password == ""  # production has no demo password by default
    settings.validate_for_production()


def test_production_refuses_the_demo_password() -> None:
    settings = Settings.from_env(production(DOCFLOW_DEMO_PASSWORD="docflow-demo"))
    with pytest.raises(ConfigurationError) as caught:
        settings.validate_for_production()
    assert caught.value.problems == (
        "DOCFLOW_DEMO_PASSWORD is the public demo password; unset it "
        "(production has no demo users) or set a different one.",
    )


@pytest.mark.parametrize("secret", [None, "short-secret"])
def test_production_refuses_a_missing_or_short_secret(secret: str | None) -> None:
    env = production()
    if secret is None:
        del env["DOCFLOW_SECRET_KEY"]
    else:
        env["DOCFLOW_SECRET_KEY"] = secret
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env).validate_for_production()
    (problem,) = caught.value.problems
    assert problem.startswith("DOCFLOW_SECRET_KEY is")
    assert "32 characters" in problem


def test_production_refuses_dev_keys_and_dev_trust_anchors(tmp_path: Path) -> None:
    seal_dir = tmp_path / "seals"
    seal_dir.mkdir()
    (seal_dir / "stttt-seal.dev-only.p12").write_bytes(b"x")
    env = production(
        DOCFLOW_TRUST_ANCHORS=str(DEV_PKI_DIR / "root.cert.pem"),
        DOCFLOW_SEAL_KEY_DIR=str(seal_dir),
    )
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env).validate_for_production()
    problems = caught.value.problems
    assert len(problems) == 2
    assert any("root.cert.pem is a development key" in p for p in problems)
    assert any("stttt-seal.dev-only.p12 is a development key" in p for p in problems)


def test_production_lists_every_problem_at_once() -> None:
    env = {
        "DOCFLOW_ENV": "production",
        "DOCFLOW_DEMO_PASSWORD": "docflow-demo",
        "DOCFLOW_TRUST_ANCHORS": "/etc/docflow/root-ca.dev-only.pem",
    }
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env).validate_for_production()
    assert len(caught.value.problems) == 3
    assert all(p.endswith(".") for p in caught.value.problems)


def test_development_has_a_public_fallback_secret_and_production_uses_its_own() -> None:
    assert Settings.from_env({}).effective_secret_key.startswith("docflow-development")
    assert Settings.from_env(production()).effective_secret_key == STRONG_SECRET


def test_the_app_refuses_production_misconfiguration() -> None:
    from docflow.app import create_app

    with pytest.raises(ConfigurationError, match="DOCFLOW_SECRET_KEY is not set"):
        create_app(Settings.from_env({"DOCFLOW_ENV": "production"}))


def test_every_env_var_is_documented() -> None:
    docs = Settings.env_var_docs()
    assert tuple(docs) == Settings.env_var_names()
    assert all(len(text) > 10 for text in docs.values())
