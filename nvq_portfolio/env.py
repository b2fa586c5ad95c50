"""Read settings from the environment, refusing values that make no sense.

Each helper names the variable in its error, so a typo stops start-up with a message
that says where to look instead of a stack trace from deep inside Django.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class EnvironmentSettingError(ImproperlyConfigured):
    """A variable in the environment has a value the settings cannot use."""


def envstr(name, default=""):
    return os.environ.get(name, default)


def envbool(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvironmentSettingError(
        f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}."
    )


def envint(name, default, *, minimum=None):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise EnvironmentSettingError(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise EnvironmentSettingError(f"{name} must be at least {minimum}, not {value}.")
    return value


def envsize(name, default):
    """A size in bytes, written as 104857600, 100MB, 100 MiB or 1G."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip().upper().replace(" ", "").removesuffix("IB").removesuffix("B")
    multiplier = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(text[-1:], 1)
    if multiplier != 1:
        text = text[:-1]
    try:
        value = int(text) * multiplier
    except ValueError:
        raise EnvironmentSettingError(
            f"{name} must be a size such as 104857600, 100MB or 1GB, not {raw!r}."
        ) from None
    if value <= 0:
        raise EnvironmentSettingError(f"{name} must be greater than zero, not {raw!r}.")
    return value


def envlist(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


def envpath(name, default):
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


# SQLite as `make run` uses it, with several requests at once (a learner drops three files):
# write-ahead logging, so readers never wait for a writer; transactions that take the write
# lock as they begin, so two never both read and then deadlock upgrading (which SQLite answers
# at once with "database is locked", whatever the timeout); and up to 20 s of waiting for that
# lock. Synchronous stays FULL: a signed-off unit must survive a power cut, not just a crash.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database_from_url(name, default):
    """Turn DATABASE_URL into Django's DATABASES entry: sqlite:///path or postgres://..."""
    url = os.environ.get(name) or default
    parts = urlsplit(url)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "sqlite":
        # sqlite:///relative or sqlite:////absolute/path, as dj-database-url reads them
        path = unquote(parts.path)[1:]
        if parts.netloc or not path or path == "/":
            raise EnvironmentSettingError(
                f"{name} must look like sqlite:////absolute/path/db.sqlite3, not {url!r}."
            )
        options = dict(SQLITE_OPTIONS)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": options}
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise EnvironmentSettingError(f"{name} names no database: {url!r}.")
        try:
            port = parts.port
        except ValueError:
            raise EnvironmentSettingError(
                f"{name} has a port that is not a number: {url!r}."
            ) from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise EnvironmentSettingError(
        f"{name} must start with sqlite:// or postgres://, not {parts.scheme or 'nothing'!r}."
    )
