"""Output files the commands write: replaced whole or not at all, never left half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from consumer.errors import ConsumerError


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; it becomes ``path`` when the block ends without an error."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        temp = Path(name)
        temp.chmod(0o666 & ~_umask())  # as a plain open() would create it (mkstemp makes it 0600)
    except OSError as exc:
        raise ConsumerError(f"cannot write {path}: {exc.strerror}") from None
    try:
        yield temp
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ConsumerError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
