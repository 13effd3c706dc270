"""Errors every layer may raise; the CLI turns ConfigError and UsageError into one line on stderr."""


class ConsumerError(Exception):
    """Base of the service's own errors: their message is safe to print (no secrets)."""


class ConfigError(ConsumerError):
    """The configuration cannot be used; the message names the key and why."""
