"""Hypothesis strategies for events: any text the formats must carry, any legal number."""

from __future__ import annotations

import dataclasses

from hypothesis import strategies as st

from consumer.codec import ENTITIES, OPERATIONS, STATUSES, ChangeEvent, ErrorDetail, FeedbackEvent, entity_of

LONGS = st.integers(-(2**63), 2**63 - 1)
INTS = st.integers(-(2**31), 2**31 - 1)
names = st.text(min_size=1, max_size=40)
# Long enough texts sometimes to need multi-byte length prefixes (64+ and 4096+ bytes).
cells = st.one_of(st.none(), st.text(max_size=80), st.text(min_size=1, max_size=20).map(lambda s: s * 300))
values = st.dictionaries(st.one_of(st.text(max_size=40), st.just("family_variant")), cells, max_size=12)
optional_text = st.one_of(st.none(), st.text(max_size=60))

change_events = st.builds(
    ChangeEvent,
    event_id=names,
    occurred_at=LONGS,
    operation=st.sampled_from(OPERATIONS),
    identifier=names,
    values=values,
    entity=st.sampled_from(ENTITIES),
).map(lambda e: dataclasses.replace(e, entity=entity_of(e.entity, e.values)))  # as every reader decides

error_details = st.builds(
    ErrorDetail,
    property=optional_text,
    attribute=optional_text,
    locale=optional_text,
    scope=optional_text,
    message=st.text(max_size=60),
)

feedback_events = st.builds(
    FeedbackEvent,
    event_id=st.text(max_size=40),
    identifier=names,
    operation=st.sampled_from(OPERATIONS),
    status=st.sampled_from(STATUSES),
    status_code=INTS,
    topic=st.text(max_size=30),
    partition=INTS,
    offset=LONGS,
    occurred_at=LONGS,
    processed_at=LONGS,
    message=optional_text,
    errors=st.lists(error_details, max_size=4),
    attempts=INTS,
    dry_run=st.booleans(),
    values=values,
    entity=st.sampled_from(ENTITIES),
)
