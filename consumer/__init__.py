"""akeneo-consumer: keeps an Akeneo PIM in sync with product-change events from Kafka."""

__version__ = "0.1.0"
