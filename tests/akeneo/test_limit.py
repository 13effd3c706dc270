"""The adaptive limit's arithmetic (consumer.akeneo.limit.AimdLimit) on a clock the tests move."""

from __future__ import annotations

import random

import pytest
from devstack.support import FakeClock as Clock

from consumer.akeneo.limit import FIRST_HOLD_S, FRESH_AFTER_S, MAX_HOLD_S, AimdLimit, Sample


@pytest.fixture
def clock() -> Clock:
    return Clock()


def full(limit: AimdLimit) -> Sample:
    """A request that took the last free slot now."""
    return limit.sample(limit.value)


def test_a_refusal_shrinks_by_a_tenth_and_at_least_by_one_never_below_one(clock: Clock) -> None:
    limit = AimdLimit(30, clock=clock)
    seen = []
    while limit.value > 1:
        limit.refused(full(limit))
        seen.append(limit.value)
    assert seen[:4] == [27, 24, 21, 18]  # x 0.9, rounded down
    assert seen[-9:] == [9, 8, 7, 6, 5, 4, 3, 2, 1]  # below 10 a tenth is less than one: by one
    limit.refused(full(limit))
    assert limit.value == 1


def test_an_answer_grows_by_one_only_while_the_limit_is_in_use_and_never_above_the_cap(clock: Clock) -> None:
    limit = AimdLimit(4, clock=clock)
    limit.refused(full(limit))
    limit.refused(full(limit))
    assert limit.value == 2
    clock.now += MAX_HOLD_S + 1  # past any hold
    assert not limit.answered(limit.sample(1))  # one of two slots taken: the limit was not in use
    assert limit.value == 2
    assert limit.answered(full(limit)) and limit.value == 3
    clock.now += MAX_HOLD_S + 1
    assert limit.answered(full(limit)) and limit.value == 4
    assert not limit.answered(full(limit)) and limit.value == 4  # the cap


def test_requests_sent_before_a_decrease_move_the_limit_no_further(clock: Clock) -> None:
    limit = AimdLimit(4, clock=clock)
    on_the_wire = [full(limit) for _ in range(4)]  # all sent at limit 4
    assert limit.refused(on_the_wire[0]) and limit.value == 3
    assert not limit.refused(on_the_wire[1])  # the same episode: one decrease
    clock.now += MAX_HOLD_S + 1
    assert not limit.answered(on_the_wire[2])  # its answer says nothing about limit 3
    assert limit.value == 3
    assert limit.refused(full(limit)) and limit.value == 2  # sent after the decrease: counts


def test_a_refused_level_is_tried_again_after_a_hold_that_doubles_up_to_its_maximum(clock: Clock) -> None:
    limit = AimdLimit(4, clock=clock)
    holds = []
    for _ in range(6):
        limit.refused(full(limit))  # refused at 4
        assert limit.value == 3
        waited = 0.0
        while not limit.answered(full(limit)):
            clock.now += 0.5
            waited += 0.5
        holds.append(waited)
        assert limit.value == 4
    expected = [FIRST_HOLD_S * 2**n for n in range(6)]
    assert holds == [min(h, MAX_HOLD_S) for h in expected]


def test_a_level_that_lasted_is_held_again_only_briefly(clock: Clock) -> None:
    limit = AimdLimit(4, clock=clock)
    for _ in range(4):  # refused again and again at 4: the hold grows to its maximum
        limit.refused(full(limit))
        clock.now += MAX_HOLD_S
        limit.answered(full(limit))
    clock.now += FRESH_AFTER_S + 1  # then 4 holds a long time before the next refusal
    limit.refused(full(limit))
    clock.now += FIRST_HOLD_S
    assert limit.answered(full(limit)) and limit.value == 4


def test_a_pause_does_not_count_as_use(clock: Clock) -> None:
    limit = AimdLimit(4, clock=clock)
    before = full(limit)
    limit.refused(full(limit))
    limit.pause(clock.now + 10)
    clock.now += 5
    assert not limit.answered(limit.sample(limit.value))  # answered during the pause
    clock.now += 5 + FIRST_HOLD_S - 1  # the hold counts from the end of the pause
    assert not limit.answered(full(limit))
    clock.now += 1
    assert limit.answered(full(limit)) and limit.value == 4
    assert not limit.refused(before)  # stale


def test_a_fixed_limit_is_the_cap_whatever_akeneo_answers(clock: Clock) -> None:
    limit = AimdLimit(4, adaptive=False, clock=clock)
    assert not limit.refused(full(limit))
    assert limit.value == 4
    limit.configure(2, adaptive=False)
    assert limit.value == 2
    limit.configure(6, adaptive=False)
    assert limit.value == 6


def test_a_smaller_cap_lowers_the_limit_and_a_larger_one_is_reached_by_growing(clock: Clock) -> None:
    limit = AimdLimit(4, clock=clock)
    limit.configure(2, adaptive=True)
    assert limit.value == 2
    limit.configure(4, adaptive=True)
    assert limit.value == 2
    assert limit.answered(full(limit)) and limit.value == 3
    with pytest.raises(ValueError, match="at least 1"):
        limit.configure(0, adaptive=True)


class _Fraction(random.Random):
    """Dice that always give the same share of the range asked for."""

    def __init__(self, share: float) -> None:
        super().__init__()
        self.share = share

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.share


def test_the_slot_a_growth_adds_opens_at_a_random_moment_within_the_average_exchange(clock: Clock) -> None:
    # Opened at once, the probe goes out beside the instance's own next request into a PIM its
    # own requests fill, and is refused; within the exchange it can land in another's freed slot.
    limit = AimdLimit(4, clock=clock, rng=_Fraction(0.75))
    limit.refused(full(limit))
    limit.refused(full(limit))
    assert limit.value == 2
    clock.now += MAX_HOLD_S + 1
    for held_s in (0.2, 0.2, 0.2):  # requests answered 200 ms after they took a slot
        sample = limit.sample(1)
        clock.now += held_s
        limit.answered(sample)
    sample = full(limit)
    clock.now += 0.2
    assert limit.answered(sample) and limit.value == 3
    assert limit.opens_in(1) == 0.0  # the slots the limit had are open
    assert limit.opens_in(2) == pytest.approx(0.15)  # the new one: 3/4 of the 200 ms exchange
    assert limit.opens_in(3) is None  # every slot taken
    clock.now += 0.16
    assert limit.opens_in(2) == 0.0


def test_a_lone_instance_opens_its_slots_at_once_when_it_never_shrank(clock: Clock) -> None:
    limit = AimdLimit(4, clock=clock, rng=_Fraction(1.0))
    assert [limit.opens_in(n) for n in range(5)] == [0.0, 0.0, 0.0, 0.0, None]
