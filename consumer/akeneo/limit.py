"""The adaptive concurrency limit of one Akeneo host: AIMD on Akeneo's refusals.

In the manner of Netflix's concurrency-limits (its ``AIMDLimit``): a request refused with 429, or
one that timed out, shrinks the limit multiplicatively (x 0.9, by at least 1); a request answered
while the limit was in use (it took the last free slot) grows it by one. Never above the cap
(``AKENEO_MAX_IN_FLIGHT``), never below 1. Latency is not used: Akeneo handles a request's lines
one after the other, so a slow answer means a large batch more often than a busy PIM, and a PIM
at its limit refuses at once instead of answering late.

Two rules keep the limit from chasing Akeneo's refusals (docs/akeneo-client.md, "Adaptive
concurrency"):

* one decrease per refusal episode: requests already on the wire when the limit shrank say
  nothing about the new limit, so neither their refusals nor their answers move it (TCP's rule
  of one window reduction per loss event);
* a refused level is probed again only after a hold: after a refusal at limit N, growing back to
  N waits until N-1 has been in force for ``hold`` seconds (time in a ``Retry-After`` pause not
  counted). The hold starts at 5 s, doubles each time N is refused again, up to 10 s, and starts
  over when N is refused after lasting a minute. Instances sharing a PIM each probe the level just
  above their share; a refused probe pauses the whole instance for its ``Retry-After``: growing
  back at once, 3 instances kept 0.73 of the PIM's ceiling with 2.8 % 429s. Holds of up to 30 s
  kept more of it while all consumed, but an instance left lower kept its lower limit up to 30 s
  after the others had run out of work (benchmarks/RESULTS.md, "Sharing one PIM").

And one rule for fairness: the slot a growth adds opens at a random moment within the typical
exchange (an average of how long recent requests held their slots), not at once. Growth happens
on an answer, when the instance's own next request takes the slot that answer freed; sent at
that moment, the probe found the PIM full of the instance's own requests and was refused,
while instances at the cap were never refused and kept their share. Sent at a random moment,
the probe can land in a slot another instance's answer just freed, and the instance whose next
request then finds the PIM full gives a slot back, most often one with many on the wire.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable

BACKOFF_RATIO = 0.9
FIRST_HOLD_S = 5.0
MAX_HOLD_S = 10.0
# A refusal at a level that had lasted this long is news (someone else arrived), not a failed probe.
FRESH_AFTER_S = 60.0
# Weight of the newest exchange in the average exchange time (the spread of a new slot's opening).
EXCHANGE_WEIGHT = 0.2


@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    """What a request knew when it took its slot."""

    epoch: int  # decreases so far: a later decrease makes this request's verdict stale
    at_limit: bool  # it took the last free slot: the limit was in use
    taken_at: float  # when, on the limit's clock


class AimdLimit:
    """The limit's arithmetic; not thread-safe (the host's gate calls it under its lock).

    With ``adaptive`` false the limit is the cap, whatever Akeneo answers (the behaviour before
    issue 11, ``AKENEO_ADAPTIVE_CONCURRENCY=false``).
    """

    def __init__(
        self,
        cap: int,
        adaptive: bool = True,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock
        self._rng = rng or random.Random()
        self._exchange_s = 0.0  # the average time a request held its slot
        self._opens_at = 0.0  # the top slot of a limit that just grew is closed until then
        self._cap = cap
        self._adaptive = adaptive
        self.value = cap
        self._epoch = 0
        self._since = clock()  # when the current value was set (or a pause ended)
        self._paused_until = 0.0
        self._holds: dict[int, float] = {}  # refused level -> seconds the level below must last first

    @property
    def cap(self) -> int:
        return self._cap

    def configure(self, cap: int, adaptive: bool) -> None:
        """A new cap (the smallest of the host's clients) or mode; the value stays within the cap
        (a cap that grows is reached by growing, as any limit in use)."""
        if cap < 1:
            raise ValueError("the concurrency cap must be at least 1")
        self._cap = cap
        self._adaptive = adaptive
        if not adaptive or self.value > cap:
            self._set(cap)

    def opens_in(self, in_flight: int) -> float | None:
        """Seconds until a request may take a slot with ``in_flight`` on the wire: 0 now, None
        when every slot is taken (until one is given back)."""
        if in_flight < self.value - 1:
            return 0.0
        if in_flight >= self.value:
            return None
        return max(0.0, self._opens_at - self._clock())

    def sample(self, in_flight: int) -> Sample:
        """For a request that just took a slot, ``in_flight`` counting it."""
        return Sample(self._epoch, in_flight >= self.value, self._clock())

    def refused(self, sample: Sample) -> bool:
        """Akeneo answered 429, or the request timed out. True if the value changed."""
        if not self._adaptive or sample.epoch != self._epoch:
            return False
        level = self.value
        lasted = self._clock() - self._since
        hold = self._holds.get(level)
        if hold is None or lasted > FRESH_AFTER_S:  # a first refusal, or the level had been fine for long
            self._holds[level] = FIRST_HOLD_S
        else:
            self._holds[level] = min(hold * 2, MAX_HOLD_S)
        self._epoch += 1
        return self._set(max(1, min(level - 1, int(level * BACKOFF_RATIO))))

    def answered(self, sample: Sample) -> bool:
        """Akeneo answered (anything but 429, 408 or 5xx). True if the value changed."""
        now = self._clock()
        held_s = now - sample.taken_at
        if self._exchange_s:  # an exponentially weighted average; the first exchange starts it
            self._exchange_s += EXCHANGE_WEIGHT * (held_s - self._exchange_s)
        else:
            self._exchange_s = held_s
        in_use = sample.at_limit and sample.epoch == self._epoch
        if not self._adaptive or not in_use or self.value >= self._cap:
            return False
        if now < self._paused_until:
            return False  # sent before the pause, answered during it: the limit is not in use
        hold = self._holds.get(self.value + 1)
        if hold is not None and now - self._since < hold:
            return False
        self._opens_at = now + self._rng.uniform(0.0, self._exchange_s)
        return self._set(self.value + 1)

    def pause(self, until: float) -> None:
        """Nothing is sent until ``until`` (a Retry-After pause): that time does not count as use."""
        self._paused_until = max(self._paused_until, until)
        self._since = max(self._since, until)

    def _set(self, value: int) -> bool:
        changed = value != self.value
        self.value = value
        self._since = self._clock()
        return changed
