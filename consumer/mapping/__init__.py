"""Flat rows -> Akeneo's standard format (products and product models), checked against a catalog snapshot.

Pure functions of (row, catalog, options, known models): nothing here does I/O or knows about Kafka or HTTP.
"""

from consumer.mapping.identifiers import identifier_problem
from consumer.mapping.mapper import DEFAULT_SEPARATOR, Mapper, MappingOptions, map_row, mapper_for
from consumer.mapping.problems import Problem
from consumer.mapping.results import MapResult, ModelWrite
from consumer.mapping.tree import REJECT, ROUTE

__all__ = [
    "DEFAULT_SEPARATOR", "REJECT", "ROUTE", "MapResult", "Mapper", "MappingOptions", "ModelWrite", "Problem",
    "identifier_problem", "map_row", "mapper_for",
]
