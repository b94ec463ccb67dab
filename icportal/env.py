"""Small helpers that read settings from the environment.

Each raises ImproperlyConfigured naming the variable when its value is unusable, so a bad
deployment stops at start-up instead of misbehaving later.
"""
import os
import secrets
import time

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def envstr(name, default=None):
    return os.environ.get(name, default)


def envbool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: {raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def envint(name, default, minimum=None):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}: {raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}: {value} is below the minimum {minimum}")
    return value


def envlist(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def envdatabase(name, default):
    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=60)
    except Exception as exc:  # dj-database-url raises ValueError/KeyError variants
        raise ImproperlyConfigured(f"{name}: {raw!r} is not a usable database URL ({exc})") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name}: {raw!r} names no supported database engine")
    return config


def envbroker(name, default="orm"):
    raw = (os.environ.get(name) or default).strip()
    if raw == "orm" or raw.startswith(("redis://", "rediss://", "unix://")):
        return raw
    raise ImproperlyConfigured(f"{name}: {raw!r} must be 'orm' or a redis:// URL")


def dev_secret_key(path):
    """The development key kept in `path`: created once with owner-only permissions, then read
    by every process of the checkout (web, workers, manage.py commands), so all sign alike.

    Two processes starting at once both try O_CREAT|O_EXCL; the loser reads the winner's key
    (waiting briefly until it has been written)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = open(path, encoding="ascii").read().strip()
            if key:
                return key
            time.sleep(0.1)
        raise ImproperlyConfigured(f"SECRET_KEY: {path} is empty; delete it to have a new key generated") from None
    key = "dev-only-" + secrets.token_urlsafe(50)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key
