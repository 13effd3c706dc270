"""Errors every layer may raise; the CLI turns ConfigError and UsageError into one line on stderr."""


class ConsumerError(Exception):
    """Base of the service's own errors: their message is safe to print (no secrets)."""


class ConfigError(ConsumerError):
    """The configuration cannot be used; the message names the key and why."""


def invalid_utf8(exc: UnicodeDecodeError, offset: int = 0) -> str:
    """``not valid UTF-8 (byte 0xff at offset 12)``: what a user can look for in their bytes.

    ``offset`` is where the decoded slice starts in the whole input.
    """
    bad = exc.object[exc.start] if exc.start < len(exc.object) else None
    where = f"at offset {offset + exc.start}"
    return f"not valid UTF-8 (byte 0x{bad:02x} {where})" if bad is not None else f"not valid UTF-8 ({where})"
