"""Start-up problems are one line; giving up is FAILED feedback plus a DLQ copy; no secret leaks."""

from __future__ import annotations

from pathlib import Path

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events
from consumer.feedback import H_ERROR

from .conftest import Launch
from .harness import Topics, produce, read_feedback, read_until, settled, wait_for


def _exit_and_output(launch: Launch, **env: str) -> tuple[int, str]:
    service = launch(**env)
    assert service.proc is not None
    code = service.proc.wait(timeout=60)
    return code, service.log_text()


def test_refused_credentials_stop_start_up_with_one_line(launch: Launch) -> None:
    code, output = _exit_and_output(launch, AKENEO_PASSWORD="not-the-password")
    assert code == 2
    lines = [line for line in output.splitlines() if line.startswith("akeneo-consumer run:")]
    assert len(lines) == 1 and "refused the API credentials" in lines[0], output
    assert "Traceback" not in output and "not-the-password" not in output


def test_unreachable_akeneo_stops_start_up_with_one_line(launch: Launch, sim: AkeneoSimulator) -> None:
    sim.stop()
    code, output = _exit_and_output(launch)
    assert code == 2
    assert "akeneo-consumer run: cannot load the catalog from Akeneo at http://127.0.0.1:" in output
    assert "Traceback" not in output


def test_a_bad_setting_stops_start_up_with_one_line(launch: Launch) -> None:
    code, output = _exit_and_output(launch, BATCH_LIMIT="ten")
    assert (code, output.strip()) == (2, "akeneo-consumer run: BATCH_LIMIT must be a whole number, got 'ten'")


def test_giving_up_feeds_back_failed_and_copies_to_the_dlq(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    events = list(sample_events(30, seed=6, invalid_every=0))
    service = launch(RETRY_GIVE_UP_S="2")
    wait_for(lambda: "partitions assigned" in service.log_text(), 60, "the service to join")
    sim.start_outage(600)
    produce(kafka_broker.bootstrap, topics.input, events)
    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events}, timeout_s=90)
    assert {(fbs[-1].status, fbs[-1].status_code) for fbs in feedback.values()} == {("FAILED", 0)}
    assert all("gave up" in (fbs[-1].message or "") for fbs in feedback.values())
    dlq = read_until(kafka_broker.bootstrap, topics.dlq, lambda m: m, settled())
    assert len(dlq) == len(events)
    assert all(dict(m.headers())[H_ERROR].startswith(b"Akeneo failed: ") for m in dlq)
    assert sim.products == {}


def test_no_secret_in_logs_even_at_debug(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch, tmp_path: Path
) -> None:
    events = list(sample_events(50, seed=13))
    produce(kafka_broker.bootstrap, topics.input, events)
    sim.set_knobs(token_ttl_s=1.0)  # tokens renewed mid-run, so token traffic is logged too
    service = launch(LOG_LEVEL="DEBUG")
    read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events})
    assert service.terminate() == 0
    log = service.log_text()
    secrets = [service.env["AKENEO_PASSWORD"], service.env["AKENEO_CLIENT_SECRET"]]
    assert all(secret not in log for secret in secrets)
    assert "Bearer" not in log and "access_token" not in log and "refresh_token" not in log
    assert '"level":"DEBUG"' in log or '"level": "DEBUG"' in log  # debug output really was on
