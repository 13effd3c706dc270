from __future__ import annotations

import re
from pathlib import Path

import pytest

from consumer.config import ConfigError, load_settings, require_akeneo


def test_defaults_match_the_contract() -> None:
    s = load_settings(env={})
    assert (s.kafka_bootstrap_servers, s.kafka_group_id, s.kafka_topic) == (
        "localhost:9092",
        "akeneo-consumer",
        "product-changes",
    )
    assert (s.kafka_results_topic, s.kafka_dlq_topic, s.event_format) == (
        "product-feedback",
        "product-changes-dlq",
        "avro",
    )
    assert (s.batch_limit, s.akeneo_max_in_flight, s.value_separator) == (100, 4, "<###>")
    assert (s.dry_run, s.active, s.akeneo_verify_tls) == (False, True, True)
    assert (s.model_values, s.parent_wait_s) == ("route", 60.0)
    assert (s.akeneo_adaptive_concurrency, s.retry_after_max_s) == (True, 60.0)


def test_model_settings_from_env_or_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('MODEL_VALUES = "reject"\nPARENT_WAIT_S = 5\n')
    from_file = load_settings(cfg, env={})
    assert (from_file.model_values, from_file.parent_wait_s) == ("reject", 5.0)
    assert load_settings(cfg, env={"PARENT_WAIT_S": "0.5"}).parent_wait_s == 0.5


def test_environment_wins_over_the_toml_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('KAFKA_TOPIC = "from-file"\nbatch_limit = 50\nDRY_RUN = true\n')
    s = load_settings(cfg, env={"KAFKA_TOPIC": "from-env"})
    assert (s.kafka_topic, s.batch_limit, s.dry_run) == ("from-env", 50, True)


def test_other_kafka_keys_go_to_librdkafka() -> None:
    s = load_settings(env={"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "PLAIN"})
    assert s.kafka_config()["security.protocol"] == "SASL_SSL"
    assert s.kafka_config()["sasl.mechanism"] == "PLAIN"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BATCH_LIMIT": "ten"}, "BATCH_LIMIT must be a whole number, got 'ten'"),
        ({"BATCH_LIMIT": "0"}, "BATCH_LIMIT must be at least 1"),
        (
            {"BATCH_LIMIT": "1" + "0" * 400},
            "BATCH_LIMIT must be at most 2147483647, got 10000000000000000000",
        ),
        ({"AKENEO_TIMEOUT_S": "1e300"}, "AKENEO_TIMEOUT_S must be at most 1e+09, got 1e300"),
        ({"BATCH_LIMIT": "1e+06"}, "BATCH_LIMIT must be a whole number, got '1e+06'"),
        ({"AKENEO_TIMEOUT_S": "nan"}, "AKENEO_TIMEOUT_S must be a number, got 'nan'"),
        ({"RETRY_GIVE_UP_S": "inf"}, "RETRY_GIVE_UP_S must be a number, got 'inf'"),
        ({"DRY_RUN": "maybe"}, "DRY_RUN must be true or false"),
        ({"EVENT_FORMAT": "xml"}, "EVENT_FORMAT must be one of avro, confluent-avro, json"),
        ({"EVENT_FORMAT": "confluent-avro"}, "SCHEMA_REGISTRY_URL is required"),
        ({"METRICS_PORT": "70000"}, "METRICS_PORT must be at most 65535"),
        ({"MODEL_VALUES": "drop"}, "MODEL_VALUES must be one of route, reject, got 'drop'"),
        ({"PARENT_WAIT_S": "-1"}, "PARENT_WAIT_S must be at least 0"),
        ({"PARENT_WAIT_S": "soon"}, "PARENT_WAIT_S must be a number, got 'soon'"),
        ({"RETRY_AFTER_MAX_S": "0"}, "RETRY_AFTER_MAX_S must be at least 1"),
        ({"RETRY_AFTER_MAX_S": "a minute"}, "RETRY_AFTER_MAX_S must be a number, got 'a minute'"),
        ({"RETRY_AFTER_MAX_S": "1e10"}, "RETRY_AFTER_MAX_S must be at most 1e+09"),
        ({"AKENEO_ADAPTIVE_CONCURRENCY": "sometimes"}, "AKENEO_ADAPTIVE_CONCURRENCY must be true or false"),
    ],
)
def test_bad_values_name_the_key(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(env=env)


def test_bad_files_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml", env={})
    bad = tmp_path / "bad.toml"
    bad.write_text("KAFKA_TOPIC = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad, env={})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("BATCH_LIMTI = 3\n")
    with pytest.raises(ConfigError, match="unknown key BATCH_LIMTI"):
        load_settings(unknown, env={})


def test_secrets_never_show_in_repr_or_errors() -> None:
    s = load_settings(
        env={
            "AKENEO_CLIENT_SECRET": "s3cr3t-client",
            "AKENEO_PASSWORD": "hunter2-pass",
            "KAFKA_SASL_PASSWORD": "kafka-pw-123",
        }
    )
    text = repr(s) + str(s)
    for secret in ("s3cr3t-client", "hunter2-pass", "kafka-pw-123"):
        assert secret not in text
    assert s.akeneo_password.reveal() == "hunter2-pass"
    with pytest.raises(ConfigError) as exc:
        require_akeneo(s)
    assert "hunter2-pass" not in str(exc.value)
    assert "AKENEO_HOST" in str(exc.value)


def test_urls_with_credentials_show_masked_in_repr() -> None:
    s = load_settings(env={"SCHEMA_REGISTRY_URL": "https://KEY:reg-secret-1@psrc.example.com"})
    assert "reg-secret-1" not in repr(s) and "https://***@psrc.example.com" in repr(s)


def test_akeneo_host_with_credentials_is_refused_without_repeating_them() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(env={"AKENEO_HOST": "https://julia:pim-pass-77@pim.example.com"})
    message = str(refused.value)
    assert message.startswith("AKENEO_HOST must not carry a user or password (https://***@pim.example.com)")
    assert "pim-pass-77" not in message and "julia" not in message


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("http://", "AKENEO_HOST must be an http(s) URL with a host"),
        ("pim.example.com", "AKENEO_HOST must be an http(s) URL with a host"),
        ("ftp://pim.example.com", "AKENEO_HOST must be an http(s) URL with a host"),
        ("https://pim example.com", "without spaces"),
        (" https://pim.example.com", "without spaces"),
        ("https://pim.example.com:99999", "its port is not 0..65535"),
        ("https://pim.example.com/?x=1", "without ?query or #fragment"),
    ],
)
def test_an_unusable_akeneo_host_is_one_line_naming_the_key(host: str, why: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(why)) as refused:
        load_settings(env={"AKENEO_HOST": host})
    assert str(refused.value).startswith("AKENEO_HOST ") and "\n" not in str(refused.value)


@pytest.mark.parametrize("host", ["https://acme.cloud.akeneo.com", "http://127.0.0.1:8081", "https://pim.example.com/prefix"])
def test_usable_akeneo_hosts_pass(host: str) -> None:
    assert load_settings(env={"AKENEO_HOST": host}).akeneo_host == host


def test_a_ca_bundle_that_cannot_be_used_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"AKENEO_CA_BUNDLE {tmp_path}/missing.pem does not exist"):
        load_settings(env={"AKENEO_CA_BUNDLE": str(tmp_path / "missing.pem")})
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="holds no PEM certificate"):
        load_settings(env={"AKENEO_CA_BUNDLE": str(junk)})


def test_a_config_file_that_is_not_utf8_is_one_line_with_the_offset(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('KAFKA_TOPIC = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as refused:
        load_settings(latin1, env={})
    assert str(refused.value) == f"config file {latin1} is not valid UTF-8 (byte 0xe9 at offset 18)"
