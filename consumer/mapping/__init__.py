"""Flat product rows -> Akeneo's standard product format, checked against a catalog snapshot.

Pure functions of (row, catalog, options): nothing here does I/O or knows about Kafka or HTTP.
"""

from consumer.mapping.identifiers import identifier_problem
from consumer.mapping.mapper import DEFAULT_SEPARATOR, Mapper, MappingOptions, MapResult, map_row, mapper_for
from consumer.mapping.problems import Problem

__all__ = [
    "DEFAULT_SEPARATOR", "MapResult", "Mapper", "MappingOptions", "Problem", "identifier_problem", "map_row",
    "mapper_for",
]
