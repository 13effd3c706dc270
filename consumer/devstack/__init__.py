"""What `demo` and the tests start: the Kafka broker process and the Akeneo simulator."""
