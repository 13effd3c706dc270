"""`akeneo-consumer check` against the real broker, the Akeneo simulator and the registry stand-in."""

from __future__ import annotations

import re

from e2e.harness import Topics, kafka_env

from consumer.catalog import Catalog
from consumer.devstack.akeneo_sim import DEFAULT_CREDENTIALS, AkeneoSimulator, load_sample_catalog
from consumer.devstack.kafka_broker import TansuBroker, create_topics, free_port
from consumer.devstack.schema_registry import SchemaRegistryStandIn

from . import cli_support
from .cli_support import akeneo_env, run_cli, topic_names

akeneo_sim = cli_support.akeneo_sim
CREDS = DEFAULT_CREDENTIALS[0]


def check(env: dict[str, str], *extra: str) -> tuple[int, str, list[str]]:
    result = run_cli("check", "--timeout", "2", *extra, env=env)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout, result.stderr.splitlines()


def test_all_usable_reports_topics_and_catalog_sizes(
    kafka_broker: TansuBroker, akeneo_sim: AkeneoSimulator, topics: Topics
) -> None:
    code, out, err = check({**kafka_env(kafka_broker, topics), **akeneo_env(akeneo_sim)})

    assert (code, err) == (0, [])
    assert re.search(rf"input topic\s+{topics.input}: 4 partitions", out)
    assert re.search(rf"results topic\s+{topics.results}: 4 partitions", out)
    assert re.search(rf"DLQ topic\s+{topics.dlq}: 1 partitions", out)
    expected = Catalog.from_json(load_sample_catalog()).summary()
    assert f"attributes {expected['attributes']}," in out
    assert f"attribute options {expected['attribute_options']}," in out
    assert f"measurement families {expected['measurement_families']}" in out
    assert "EVENT_FORMAT=json" in out
    assert out.rstrip().endswith("usable")
    # the credentials work and are never shown
    assert CREDS.secret not in out and CREDS.password not in out


def test_missing_dlq_topic_is_a_problem_and_check_does_not_create_it(
    kafka_broker: TansuBroker, akeneo_sim: AkeneoSimulator
) -> None:
    fresh = Topics.fresh()
    create_topics(kafka_broker.bootstrap, {fresh.input: 2, fresh.results: 2})

    code, out, err = check({**kafka_env(kafka_broker, fresh), **akeneo_env(akeneo_sim)})

    assert code == 1
    assert err == [f"akeneo-consumer check: DLQ topic {fresh.dlq} does not exist"]
    assert f"{fresh.input}: 2 partitions" in out and "NOT usable: 1 problem" in out
    assert fresh.dlq not in topic_names(kafka_broker.bootstrap)


def test_empty_results_topic_means_feedback_disabled_not_a_problem(
    kafka_broker: TansuBroker, akeneo_sim: AkeneoSimulator, topics: Topics
) -> None:
    env = {**kafka_env(kafka_broker, topics, KAFKA_RESULTS_TOPIC=""), **akeneo_env(akeneo_sim)}
    code, out, _ = check(env)
    assert code == 0
    assert re.search(r"results topic\s+\(disabled\)", out)


def test_refused_credentials_one_line_without_secrets(
    kafka_broker: TansuBroker, akeneo_sim: AkeneoSimulator, topics: Topics
) -> None:
    wrong = "Wr0ng-pa55word-xyz"
    env = {**kafka_env(kafka_broker, topics), **akeneo_env(akeneo_sim, AKENEO_PASSWORD=wrong)}

    code, out, err = check(env)

    assert code == 1
    assert len(err) == 1 and "refused" in err[0] and akeneo_sim.base_url in err[0]
    assert f"{topics.input}: 4 partitions" in out  # Kafka is still checked and reported
    for secret in (wrong, CREDS.secret):
        assert secret not in out and secret not in "\n".join(err)


def test_unreachable_kafka_and_unset_akeneo_are_both_reported(topics: Topics) -> None:
    dead = f"127.0.0.1:{free_port()}"
    code, out, err = check({"KAFKA_BOOTSTRAP_SERVERS": dead, "KAFKA_TOPIC": topics.input})

    assert code == 1
    assert len(err) == 2
    assert err[0].startswith(f"akeneo-consumer check: cannot reach Kafka at {dead} within 2s")
    assert "Connection refused" in err[0]
    assert "AKENEO_HOST" in err[1] and "AKENEO_PASSWORD" in err[1] and "must be set" in err[1]
    assert f"Kafka {dead}: unreachable" in out


def test_schema_registry_checked_for_confluent_avro(
    kafka_broker: TansuBroker, akeneo_sim: AkeneoSimulator, topics: Topics
) -> None:
    base = {**kafka_env(kafka_broker, topics, "confluent-avro"), **akeneo_env(akeneo_sim)}
    with SchemaRegistryStandIn() as registry:
        registry.register("some-value", '{"type": "string"}')
        with_password = registry.url.replace("http://", "http://reader:hunter2@")
        code, out, err = check({**base, "SCHEMA_REGISTRY_URL": with_password})
    assert (code, err) == (0, [])
    assert re.search(r"Schema registry http://\*\*\*@127\.0\.0\.1:\d+: reachable, 1 subjects", out)
    assert "hunter2" not in out

    dead = f"http://reader:hunter2@127.0.0.1:{free_port()}"
    code, out, err = check({**base, "SCHEMA_REGISTRY_URL": dead})
    assert code == 1
    assert len(err) == 1 and err[0].startswith("akeneo-consumer check: schema registry at http://***@127.0.0.1")
    assert "hunter2" not in out + "\n".join(err)


def test_bad_configuration_is_one_line_exit_2(kafka_broker: TansuBroker, topics: Topics) -> None:
    result = run_cli("check", env=kafka_env(kafka_broker, topics, "xml"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "akeneo-consumer check: EVENT_FORMAT must be one of avro, confluent-avro, json, got 'xml'"
    ]
