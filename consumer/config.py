"""Settings from the environment and an optional TOML file, validated once at start.

The environment wins over the file. Every problem raises ConfigError with one line naming
the key; secrets never appear in messages or in ``repr``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import ssl
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from consumer.errors import ConfigError, invalid_utf8
from consumer.redact import safe_url

T = TypeVar("T")

EVENT_FORMATS = ("avro", "confluent-avro", "json")
MODEL_VALUES = ("route", "reject")  # what a variant row's values of its models' levels do
# Keys the service reads itself; any other KAFKA_X_Y goes to librdkafka as x.y.
_OWN_KAFKA_KEYS = {
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_GROUP_ID",
    "KAFKA_TOPIC",
    "KAFKA_RESULTS_TOPIC",
    "KAFKA_DLQ_TOPIC",
}
# librdkafka properties whose values are secrets.
_SECRET_KAFKA_PROPS = ("sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer")


class Secret(str):
    """A string that hides itself in repr/str formatting of containers; use ``.reveal()``."""

    def __repr__(self) -> str:
        return "'***'" if self else "''"

    def reveal(self) -> str:
        return str.__str__(self)


@dataclasses.dataclass(frozen=True)
class Settings:
    kafka_bootstrap_servers: str = "localhost:9092"
    kafka_group_id: str = "akeneo-consumer"
    kafka_topic: str = "product-changes"
    kafka_results_topic: str = "product-feedback"
    kafka_dlq_topic: str = "product-changes-dlq"
    kafka_extra: Mapping[str, str] = dataclasses.field(default_factory=dict)
    event_format: str = "avro"
    schema_registry_url: str = ""
    akeneo_host: str = ""
    akeneo_client_id: str = ""
    akeneo_client_secret: Secret = Secret("")  # noqa: RUF009 (immutable)
    akeneo_username: str = ""
    akeneo_password: Secret = Secret("")  # noqa: RUF009 (immutable)
    akeneo_verify_tls: bool = True
    akeneo_ca_bundle: str = ""
    akeneo_timeout_s: float = 30.0
    akeneo_max_in_flight: int = 4
    akeneo_adaptive_concurrency: bool = True
    batch_limit: int = 100
    batch_linger_ms: int = 200
    max_buffered_events: int = 10_000
    value_separator: str = "<###>"
    dry_run: bool = False
    active: bool = True
    metrics_port: int = 8080
    retry_give_up_s: float = 0.0
    retry_after_max_s: float = 60.0
    shutdown_grace_s: float = 30.0
    tombstone_delete: bool = False
    coalesce: bool = True
    catalog_refresh_s: float = 300.0
    model_values: str = "route"
    parent_wait_s: float = 60.0
    log_level: str = "INFO"

    def __repr__(self) -> str:
        shown = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "kafka_extra":
                value = {k: ("***" if _is_secret_prop(k) else v) for k, v in value.items()}
            elif f.name in _URL_FIELDS:
                value = safe_url(value)
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

    def kafka_config(self) -> dict[str, str]:
        """librdkafka properties shared by producers and consumers."""
        conf = {"bootstrap.servers": self.kafka_bootstrap_servers}
        conf.update(self.kafka_extra)
        return conf


# URLs that may carry user:password@ (the registry's key and secret go there): shown masked.
_URL_FIELDS = ("akeneo_host", "schema_registry_url")


def _is_secret_prop(prop: str) -> bool:
    return any(prop.startswith(p) for p in _SECRET_KAFKA_PROPS)


def _parse_bool(key: str, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key} must be true or false, got {str(raw)!r}")


_NUMBER_NAMES: dict[Callable[[str], Any], str] = {int: "a whole number", float: "a number"}
# Far above any sensible setting, and below what threads, sockets and timers accept, so a typo
# of extra digits is one clear line at start-up rather than an OverflowError later.
_INT_MAX = 2**31 - 1
_SECONDS_MAX = 1e9


def _parse_number(kind: Callable[[str], T], key: str, raw: object, minimum: float, maximum: float) -> T:
    try:
        value = kind(str(raw).strip())
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(value)
    except ValueError:
        raise ConfigError(f"{key} must be {_NUMBER_NAMES[kind]}, got {str(raw)!r}") from None
    if value < minimum:  # type: ignore[operator]
        raise ConfigError(f"{key} must be at least {minimum}, got {value}")
    if value > maximum:  # type: ignore[operator]
        limit = int(maximum) if kind is int else f"{maximum:g}"
        raise ConfigError(f"{key} must be at most {limit}, got {str(raw).strip()[:20]}")
    return value


def _int(minimum: int, maximum: int = _INT_MAX) -> Callable[[str, object], int]:
    return lambda key, raw: _parse_number(int, key, raw, minimum, maximum)


def _float(minimum: float, maximum: float = _SECONDS_MAX) -> Callable[[str, object], float]:
    return lambda key, raw: _parse_number(float, key, raw, minimum, maximum)


def _text(key: str, raw: object) -> str:
    return str(raw)


def _secret(key: str, raw: object) -> Secret:
    return Secret(str(raw))


def _choice(*choices: str) -> Callable[[str, object], str]:
    def parse(key: str, raw: object) -> str:
        value = str(raw).strip()
        if value not in choices:
            raise ConfigError(f"{key} must be one of {', '.join(choices)}, got {value!r}")
        return value

    return parse


_PARSERS: dict[str, Callable[[str, object], Any]] = {
    "KAFKA_BOOTSTRAP_SERVERS": _text,
    "KAFKA_GROUP_ID": _text,
    "KAFKA_TOPIC": _text,
    "KAFKA_RESULTS_TOPIC": _text,
    "KAFKA_DLQ_TOPIC": _text,
    "EVENT_FORMAT": _choice(*EVENT_FORMATS),
    "SCHEMA_REGISTRY_URL": _text,
    "AKENEO_HOST": _text,
    "AKENEO_CLIENT_ID": _text,
    "AKENEO_CLIENT_SECRET": _secret,
    "AKENEO_USERNAME": _text,
    "AKENEO_PASSWORD": _secret,
    "AKENEO_VERIFY_TLS": _parse_bool,
    "AKENEO_CA_BUNDLE": _text,
    "AKENEO_TIMEOUT_S": _float(0.1),
    "AKENEO_MAX_IN_FLIGHT": _int(1),
    "AKENEO_ADAPTIVE_CONCURRENCY": _parse_bool,
    "BATCH_LIMIT": _int(1),
    "BATCH_LINGER_MS": _int(0),
    "MAX_BUFFERED_EVENTS": _int(1),
    "VALUE_SEPARATOR": _text,
    "DRY_RUN": _parse_bool,
    "ACTIVE": _parse_bool,
    "METRICS_PORT": _int(0, 65535),
    "RETRY_GIVE_UP_S": _float(0),
    # At least a second: Akeneo's Retry-After is whole seconds, and 0 would hammer a PIM that asked
    # for a pause.
    "RETRY_AFTER_MAX_S": _float(1),
    "SHUTDOWN_GRACE_S": _float(0),
    "TOMBSTONE_DELETE": _parse_bool,
    "COALESCE": _parse_bool,
    "CATALOG_REFRESH_S": _float(0),
    "MODEL_VALUES": _choice(*MODEL_VALUES),
    "PARENT_WAIT_S": _float(0),
    "LOG_LEVEL": _choice("DEBUG", "INFO", "WARNING", "ERROR"),
}


# Every variable the service reads by name (any other KAFKA_X_Y is a librdkafka property).
KEYS: tuple[str, ...] = tuple(_PARSERS)


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8; tomllib lets the decoder's error through
        raise ConfigError(f"config file {path} is {invalid_utf8(exc)}") from None
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            raise ConfigError(f"config file {path}: key {key!r} is a table; use flat KEY = value pairs")
        flat[key.upper()] = value
    return flat


def load_settings(config_file: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Merge the TOML file (if any) and the environment, validate, and return Settings."""
    environ = os.environ if env is None else env
    raw: dict[str, object] = {}
    if config_file:
        raw.update(_read_toml(Path(config_file)))
        unknown = [k for k in raw if k not in _PARSERS and not k.startswith("KAFKA_")]
        if unknown:
            raise ConfigError(f"config file {config_file}: unknown key {unknown[0]}")
    raw.update({k: v for k, v in environ.items() if k in _PARSERS or k.startswith("KAFKA_")})

    values: dict[str, Any] = {}
    extra: dict[str, str] = {}
    for key, value in raw.items():
        if key in _PARSERS:
            values[key.lower()] = _PARSERS[key](key, value)
        elif key.startswith("KAFKA_") and key not in _OWN_KAFKA_KEYS:
            extra[key[len("KAFKA_") :].lower().replace("_", ".")] = str(value)
    settings = Settings(kafka_extra=extra, **values)
    _check(settings)
    return settings


def _check(s: Settings) -> None:
    if not s.kafka_topic:
        raise ConfigError("KAFKA_TOPIC must not be empty")
    if s.event_format == "confluent-avro" and not s.schema_registry_url:
        raise ConfigError("SCHEMA_REGISTRY_URL is required when EVENT_FORMAT is confluent-avro")
    if not s.value_separator:
        raise ConfigError("VALUE_SEPARATOR must not be empty")
    if s.akeneo_host:
        _check_akeneo_host(s.akeneo_host)
    if s.akeneo_ca_bundle:
        _check_ca_bundle(s.akeneo_ca_bundle)


def _check_akeneo_host(host: str) -> None:
    """The base URL the client can use as it is; the message never repeats a user or password."""
    shown = safe_url(host)
    example = "an http(s) URL with a host, e.g. https://acme.cloud.akeneo.com"
    try:
        parts = urlsplit(host)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise ConfigError(f"AKENEO_HOST must be {example}; its port is not 0..65535, got {shown!r}") from None
    if any(c.isspace() for c in host) or not host.isprintable():
        raise ConfigError(f"AKENEO_HOST must be {example}, without spaces, got {shown!r}")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"AKENEO_HOST must be {example}, got {shown!r}")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"AKENEO_HOST must not carry a user or password ({shown}): Akeneo is reached with "
            "AKENEO_CLIENT_ID, AKENEO_CLIENT_SECRET, AKENEO_USERNAME and AKENEO_PASSWORD"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"AKENEO_HOST must be a base URL without ?query or #fragment, got {shown!r}")


def _check_ca_bundle(path: str) -> None:
    """A CA bundle that cannot be used fails start-up here, not at the first request to Akeneo."""
    bundle = Path(path)
    try:
        if bundle.is_dir():
            ssl.create_default_context(capath=path)  # a directory of hashed certificates, as requests takes
            return
        bundle.read_bytes()
        ssl.create_default_context(cafile=path)
    except ssl.SSLError:  # an OSError too: first
        raise ConfigError(f"AKENEO_CA_BUNDLE {path} holds no PEM certificate") from None
    except FileNotFoundError:
        raise ConfigError(f"AKENEO_CA_BUNDLE {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"AKENEO_CA_BUNDLE {path} cannot be read: {exc.strerror}") from None


def require_akeneo(s: Settings) -> None:
    """Commands that talk to Akeneo call this: all four credentials and the host must be set."""
    missing = [
        name
        for name, value in (
            ("AKENEO_HOST", s.akeneo_host),
            ("AKENEO_CLIENT_ID", s.akeneo_client_id),
            ("AKENEO_CLIENT_SECRET", s.akeneo_client_secret),
            ("AKENEO_USERNAME", s.akeneo_username),
            ("AKENEO_PASSWORD", s.akeneo_password),
        )
        if not value
    ]
    if missing:
        raise ConfigError(f"{', '.join(missing)} must be set to reach Akeneo")
