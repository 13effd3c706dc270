"""The stream service: the consumer loop, the Akeneo dispatcher and their wiring."""
