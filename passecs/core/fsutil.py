"""Reading and writing files: the one bounded reader and the one atomic writer passecs uses.

:func:`read_bytes` / :func:`read_text` read regular files of at most :data:`MAX_BYTES` (see
:mod:`passecs.files.reading` for YAML on top). :func:`atomic_write` replaces a file so that a reader
(ecs-cli, another passecs) sees the old content or the new one, never half of it, and a crash or a full
disk leaves the old file in place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from passecs.core.errors import InvalidInput

DEFAULT_MODE = 0o600
MAX_BYTES = 1024 * 1024




def atomic_write(path: Path, data: bytes | str, *, mode: int | None = None) -> Path:
    """Replace ``path`` with ``data``: a temporary file in the same folder, fsync, rename, folder fsync.

    The mode is ``mode`` when given, else the existing file's mode (kept), else 0600. Text is UTF-8.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = DEFAULT_MODE
    directory = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    return path


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------------
# reading


def _too_big(path: Path, what: str, size: int | None, limit: int) -> InvalidInput:
    shown = f"{size} bytes" if size is not None else "more"
    return InvalidInput(
        f"{what} {path}: too large ({shown}; passecs reads at most {limit // 1024} KiB)",
        "check that this is the right file: passecs's input files are small text files",
    )


def read_bytes(path: Path, what: str = "file", *, limit: int = MAX_BYTES) -> bytes:
    """The content of ``path``, a regular file of at most ``limit`` bytes; InvalidInput otherwise.

    FileNotFoundError is raised as is (the caller words it); every other failure is InvalidInput.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise InvalidInput(f"{what} {path}: is a directory, not a file", "name the file itself") from None
    except ValueError:  # a NUL byte in the name (from a file's own value, e.g. env_file)
        raise InvalidInput(f"{what} {str(path)!r}: not a valid file name", "check the file name") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO or socket nobody writes to
            raise _not_regular(path, what, "a FIFO or socket") from None
        raise InvalidInput(
            f"{what} {path}: cannot be read ({exc.strerror or type(exc).__name__})",
            "check the file's owner and permissions",
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, what, _kind(info.st_mode))
        if info.st_size > limit:
            raise _too_big(path, what, info.st_size, limit)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # a file that grows (or lies about its size, as /proc does) stops here
            try:
                chunk = os.read(fd, min(65536, limit + 1 - size))
            except BlockingIOError:  # pragma: no cover - regular files never block
                continue
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _too_big(path, what, None, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise InvalidInput(
            f"{what} {path}: cannot be read ({exc.strerror or type(exc).__name__})",
            "check the file's owner and permissions",
        ) from None
    finally:
        os.close(fd)


def read_text(path: Path, what: str = "file", *, limit: int = MAX_BYTES) -> str:
    """:func:`read_bytes`, decoded as UTF-8 (anything else is InvalidInput: binary data, another encoding)."""
    raw = read_bytes(path, what, limit=limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{what} {path}: not UTF-8 text (byte {exc.start}: binary data or another encoding)",
            "save the file as UTF-8 text",
        ) from None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(path: Path, what: str, kind: str) -> InvalidInput:
    return InvalidInput(f"{what} {path}: is {kind}, not a regular file", "name a regular text file")
