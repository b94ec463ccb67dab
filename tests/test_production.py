"""The production configuration of README.md "Production": DEBUG off, a real secret, host
names, PostgreSQL and Redis. Django's deployment checks find nothing to warn about, and the
static files are collected for whitenoise and served by it, hashed and compressed."""
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),  # 67 characters, as README.md says to make one
    "ALLOWED_HOSTS": "portal.example.com",
    # check --deploy and collectstatic never connect: these only have to be well-formed
    "DATABASE_URL": "postgres://portal:secret@db.example.com:5432/portal",
    "Q_BROKER": "redis://redis.example.com:6379/0",
}


def manage(*args, **env):
    base = {key: value for key, value in os.environ.items()
            if key not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL",
                           "Q_BROKER", "MEDIA_ROOT", "STATIC_ROOT"}}
    base.update(PRODUCTION, DJANGO_SETTINGS_MODULE="icportal.settings", **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=300)


def test_the_deployment_checks_find_no_issue_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout + result.stderr


def test_the_deployment_checks_do_catch_a_weak_secret():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="short")
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_collectstatic_builds_the_whitenoise_manifest_and_whitenoise_serves_it(tmp_path):
    static_root = tmp_path / "static"
    result = manage("collectstatic", "--noinput", STATIC_ROOT=str(static_root))
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["admin/css/base.css"]
    assert hashed != "admin/css/base.css" and (static_root / hashed).is_file()
    assert (static_root / f"{hashed}.gz").is_file(), "whitenoise compresses the collected files"

    # Through the WSGI application, as gunicorn runs it: the page links the hashed name, and
    # whitenoise serves it with a far-future cache header.
    probe = (
        "import django, sys\n"
        "django.setup()\n"
        "from django.templatetags.static import static\n"
        "from django.test import Client\n"
        "url = static('admin/css/base.css')\n"
        "response = Client().get(url, secure=True, HTTP_HOST='portal.example.com')\n"
        "print(url, response.status_code, response.headers.get('Cache-Control'))\n"
    )
    served = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}, **PRODUCTION,
             "DJANGO_SETTINGS_MODULE": "icportal.settings", "STATIC_ROOT": str(static_root)})
    assert served.returncode == 0, served.stderr
    url, status, cache_control = served.stdout.split(maxsplit=2)
    assert url == f"/static/{hashed}"
    assert status == "200"
    assert "immutable" in cache_control and "max-age=315360000" in cache_control
