"""Settings from the environment (SHOPIQ_*), with safe development defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

from schema.limits import DEFAULT_LIMITS, Limits

MIN_SECRET_LENGTH = 32
DEFAULT_EXECUTION_TIMEOUT = 10.0  # SHOPIQ_EXECUTION_TIMEOUT_SECONDS
DEFAULT_RATE_LIMIT_POINTS = 100_000  # SHOPIQ_RATE_LIMIT_POINTS: two operations at the cost limit
DEFAULT_RATE_LIMIT_REFILL = 1_000.0  # SHOPIQ_RATE_LIMIT_REFILL_PER_SECOND


class SettingsError(Exception):
    """The environment is not usable; the message says what to set."""


@dataclass(frozen=True, slots=True)
class Settings:
    env: Literal["development", "production"]
    database_url: str
    jwt_secret: str
    var_dir: Path
    token_ttl_seconds: int = 12 * 3600
    # Run registered (trusted) documents only: any other query text is refused.
    trusted_documents_only: bool = False
    # Document and cost limits (schema.limits), each from SHOPIQ_<FIELD NAME IN CAPITALS>.
    limits: Limits = DEFAULT_LIMITS
    # A /graphql request still running after this many seconds is stopped (503 TIMEOUT) and its
    # transaction rolled back; 0 turns the timeout off: the default of Settings built in code, as
    # in tests (a loaded test machine is no reason to cut a request short); load_settings
    # defaults to DEFAULT_EXECUTION_TIMEOUT (SHOPIQ_EXECUTION_TIMEOUT_SECONDS).
    execution_timeout_seconds: float = 0.0
    # Per-viewer rate limit in cost points (server.rate_limit): a bucket of this many points,
    # refilled at this rate; 0 points turns it off (the default of Settings built in code, as in
    # tests; load_settings defaults to DEFAULT_RATE_LIMIT_POINTS). The buckets live in this
    # process ("memory") or in PostgreSQL ("database", for several workers).
    rate_limit_points: int = 0
    rate_limit_refill_per_second: float = DEFAULT_RATE_LIMIT_REFILL
    rate_limit_store: Literal["memory", "database"] = "memory"
    # Log lines as JSON objects or readable text (SHOPIQ_LOG_FORMAT; json in production).
    log_format: Literal["json", "console"] = "console"
    # In production /metrics answers only this bearer token, and is absent without one
    # (SHOPIQ_METRICS_TOKEN). In development it is open.
    metrics_token: str | None = None
    # Run the background jobs (resolvers/jobs.py) in the serving process (server.worker, on an
    # in-memory queue with SQLite): the default on SQLite, so the demo works with one command; on
    # PostgreSQL `shopiq worker` processes run them (SHOPIQ_IN_PROCESS_JOBS=1 or 0 overrides).
    # Off in Settings built in code.
    in_process_jobs: bool = False
    # Tests only (never read from the environment): webhook endpoints may use http and point to
    # loopback and private addresses, as the dispatcher's `DispatchSettings.allow_private`.
    webhooks_allow_private: bool = False

    @property
    def production(self) -> bool:
        return self.env == "production"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    env = environ.get("SHOPIQ_ENV", "development")
    if env not in ("development", "production"):
        raise SettingsError("SHOPIQ_ENV must be 'development' or 'production'")
    var_dir = Path(environ.get("SHOPIQ_VAR_DIR", "var")).resolve()
    database_url = environ.get("SHOPIQ_DATABASE_URL") or _default_sqlite(var_dir)
    secret = environ.get("SHOPIQ_JWT_SECRET")
    if not secret:
        if env == "production":
            raise SettingsError("SHOPIQ_JWT_SECRET is required in production")
        secret = _development_secret(var_dir)
    if len(secret) < MIN_SECRET_LENGTH:
        raise SettingsError(f"SHOPIQ_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters")
    limits = load_limits(environ)
    points = _count(environ, "SHOPIQ_RATE_LIMIT_POINTS", DEFAULT_RATE_LIMIT_POINTS)
    if points and points < limits.max_cost:
        raise SettingsError(
            "SHOPIQ_RATE_LIMIT_POINTS must be 0 (off) or at least the query cost limit "
            f"({limits.max_cost}), or an operation within the cost limit could never run"
        )
    store = environ.get("SHOPIQ_RATE_LIMIT_STORE", "memory").strip() or "memory"
    if store not in ("memory", "database"):
        raise SettingsError("SHOPIQ_RATE_LIMIT_STORE must be 'memory' or 'database'")
    if store == "database" and not database_url.startswith("postgresql"):
        raise SettingsError("SHOPIQ_RATE_LIMIT_STORE=database needs a PostgreSQL database")
    refill = _seconds(environ, "SHOPIQ_RATE_LIMIT_REFILL_PER_SECOND", DEFAULT_RATE_LIMIT_REFILL)
    if refill <= 0:
        raise SettingsError("SHOPIQ_RATE_LIMIT_REFILL_PER_SECOND must be more than 0")
    log_format = environ.get("SHOPIQ_LOG_FORMAT", "").strip() or (
        "json" if env == "production" else "console"
    )
    if log_format not in ("json", "console"):
        raise SettingsError("SHOPIQ_LOG_FORMAT must be 'json' or 'console'")
    metrics_token = environ.get("SHOPIQ_METRICS_TOKEN", "").strip() or None
    if metrics_token is not None and len(metrics_token) < MIN_SECRET_LENGTH:
        raise SettingsError(f"SHOPIQ_METRICS_TOKEN must be at least {MIN_SECRET_LENGTH} characters")
    return Settings(
        env="production" if env == "production" else "development",
        database_url=database_url,
        jwt_secret=secret,
        var_dir=var_dir,
        trusted_documents_only=_flag(environ, "SHOPIQ_TRUSTED_DOCUMENTS_ONLY"),
        limits=limits,
        rate_limit_points=points,
        rate_limit_refill_per_second=refill,
        rate_limit_store="database" if store == "database" else "memory",
        log_format="json" if log_format == "json" else "console",
        metrics_token=metrics_token,
        execution_timeout_seconds=_seconds(
            environ, "SHOPIQ_EXECUTION_TIMEOUT_SECONDS", DEFAULT_EXECUTION_TIMEOUT
        ),
        in_process_jobs=_flag(
            environ, "SHOPIQ_IN_PROCESS_JOBS", default=database_url.startswith("sqlite")
        ),
    )


def load_limits(environ: Mapping[str, str]) -> Limits:
    """Each limit from SHOPIQ_MAX_TOKENS, SHOPIQ_MAX_DEPTH, ... (the field's name in capitals),
    else its default; a positive integer."""
    values: dict[str, int] = {}
    for field in fields(Limits):
        name = f"SHOPIQ_{field.name.upper()}"
        raw = environ.get(name, "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) < 1:
            raise SettingsError(f"{name} must be a positive integer")
        values[field.name] = int(raw)
    return Limits(**values) if values else DEFAULT_LIMITS


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise SettingsError(f"{name} must be a whole number (0 or more)")
    return int(raw)


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds") from None
    if not 0 <= value < 86_400:  # also refuses nan and inf
        raise SettingsError(f"{name} must be a number of seconds from 0 (off) to 86400")
    return value


def _flag(environ: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false")


def _default_sqlite(var_dir: Path) -> str:
    var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{var_dir / 'shopiq.db'}"


def _development_secret(var_dir: Path) -> str:
    """Generated once and kept, so tokens printed by `make run` stay valid across restarts."""
    path = var_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret + "\n")
    return secret
