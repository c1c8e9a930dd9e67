"""Settings come from the environment and fail loudly; production settings pass the deploy check."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from planner.settings import envbool, envdatabase, envint

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    dropped = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the browser tests set the last
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_it_passes_the_deploy_check_with_production_values():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", DEBUG="0",
        SECRET_KEY="x7!Qm2#pL9@vR4$tW8^zK1&nB6*cD3(fG5)hJ0_yU2+sE9=aT4", ALLOWED_HOSTS="kodeverk.example.org",
        CSRF_TRUSTED_ORIGINS="https://kodeverk.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_in_production():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_has_no_model_change_without_a_migration():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_app_starts_without_the_office_libraries():
    """openpyxl and python-docx are imported when a file is read or written (planner/spreadsheets.py,
    planner/docxtext.py): at start they cost each process some 0.2 s, every worker and command."""
    code = ("import sys, django; django.setup(); import planner.urls; "
            "print(sorted(name for name in ('openpyxl', 'docx') if name in sys.modules))")
    environment = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "planner.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_envbool_fails_loudly_on_a_typo(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "ja")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be a boolean"):
        envbool("SOME_FLAG", False)
    monkeypatch.setenv("SOME_FLAG", "Yes")
    assert envbool("SOME_FLAG", False) is True


def test_envint_fails_loudly_on_a_typo(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "25MB")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be an integer"):
        envint("SOME_NUMBER", 1)


def test_database_url_reads_postgres_and_sqlite(monkeypatch):
    monkeypatch.setenv("DB", "postgres://kode:hemm%40lig@db.local:5433/kodeverk")
    config = envdatabase("DB", "sqlite:///x")
    assert (config["ENGINE"], config["NAME"], config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "django.db.backends.postgresql", "kodeverk", "kode", "hemm@lig", "db.local", "5433")
    monkeypatch.setenv("DB", "sqlite:////var/lib/kodeverk/db.sqlite3")
    assert str(envdatabase("DB", "")["NAME"]) == "/var/lib/kodeverk/db.sqlite3"


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host", "sqlite://"])
def test_database_url_fails_loudly_on_what_it_cannot_use(monkeypatch, url):
    monkeypatch.setenv("DB", url)
    with pytest.raises(ImproperlyConfigured):
        envdatabase("DB", "")


def test_every_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    ours = [m for m in apps.get_models() if m._meta.app_label in {"planner", "interviews", "coding"}]
    assert [m.__name__ for m in ours if not admin.site.is_registered(m)] == []


def test_every_environment_variable_of_the_settings_is_documented_in_the_deployment_guide():
    source = (ROOT / "planner" / "settings.py").read_text()
    read = set(re.findall(r'(?:envbool|envint|envlist|envdatabase|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert {"SECRET_KEY", "DATABASE_URL", "TRUSTED_PROXY_COUNT", "KODEVERK_LOG_FORMAT"} <= read  # the pattern works
    guide = (ROOT / "docs" / "deploy.md").read_text()
    settings_table = guide.split("## Settings", 1)[1].split("Three more variables", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", settings_table, flags=re.MULTILINE))
    assert read - documented == set(), "document these in docs/deploy.md, Settings"
    assert documented - read == set(), "docs/deploy.md documents settings that planner/settings.py does not read"


@pytest.mark.parametrize("name,value,message", [
    ("KODEVERK_PDF_MAX_PAGES", "0", "KODEVERK_PDF_MAX_PAGES must be at least 1, not 0"),
    ("KODEVERK_MAX_TURNS", "many", "KODEVERK_MAX_TURNS must be an integer, not 'many'"),
])
def test_a_file_limit_that_cannot_hold_stops_the_app(name, value, message):
    result = _manage("check", DEBUG="1", **{name: value})
    assert result.returncode != 0 and message in result.stderr
