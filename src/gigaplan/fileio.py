"""Writing a single file safely: into a temporary file beside it, then renamed into place, so a
reader never sees half a file; errors of the file system become one clear
:class:`~gigaplan.errors.GigaplanError` (exit 2 for a bad path or permission, 1 when the
machine fails: a full disk, an I/O error)."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import GigaplanError

__all__ = ["FileError", "write_text_atomic"]


class FileError(GigaplanError):
    """A file that cannot be written."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def os_error(exc: OSError, path: Path) -> FileError:
    """A :class:`FileError` for ``exc`` raised while writing ``path``."""
    machine = exc.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT)
    return FileError(f"{path}: cannot write: {exc.strerror or exc}",
                     exit_code=1 if machine else 2)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8) through a temporary file and a rename."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise FileError(f"{path}: a dangling symbolic link; name a file")
    if path.exists() and not path.is_file():
        raise FileError(f"{path}: exists and is not a regular file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FileError(f"{path}: no such folder {parent}")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise os_error(exc, path) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
