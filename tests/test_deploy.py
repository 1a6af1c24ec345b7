"""docker-compose.yml, .env.example and the README agree with the Settings object.

No Docker engine runs here, so the compose file is checked by parsing it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = {name.upper() for name in Settings.model_fields}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_services_images_and_health_checks() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "api", "worker"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name, service in services.items():
        assert "test" in service["healthcheck"], name


def test_compose_runs_the_fanreel_commands_from_one_env_file() -> None:
    services = compose()["services"]
    assert "fanreel api" in " ".join(services["api"]["command"])
    assert services["worker"]["command"] == ["fanreel", "worker"]
    for name in ("api", "worker"):
        assert services[name]["env_file"] == ".env"
        assert set(services[name]["environment"]) <= SETTING_NAMES
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_env_example_names_every_setting_and_nothing_else() -> None:
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert names == SETTING_NAMES


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`", readme, re.MULTILINE))
    assert documented == SETTING_NAMES


def test_settings_come_from_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("FREE_GENERATIONS_PER_DAY", "7")
    monkeypatch.setenv("GENERATION_PRICE_PER_SECOND", "0.015")
    monkeypatch.setenv("CORS_ORIGINS", '["https://app.example"]')
    settings = Settings()
    assert settings.free_generations_per_day == 7
    assert settings.generation_price_per_second_micros == 15000
    assert settings.cors_origins == ["https://app.example"]
