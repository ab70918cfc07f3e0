"""Files written so that they are either all there or not changed at all, and files read with care.

``write_atomically`` writes into a temporary file beside the target and renames it over the
target, so a crash half way leaves the old file as it was. The temporary file is named
``.chainrule-<16 hex digits of a hash of the target's name>-<16 random hex digits>.tmp``: every
temporary file of one target shares the first part, so one left behind by a killed save is
found (and only such files are) and removed by the next save of the same path.

``read_regular_file`` reads a regular file up to a size limit and refuses anything else: a FIFO
would make a reader wait forever for a writer, and ``/dev/zero`` never ends.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import stat
import time

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so stale temporary files are recognised by age
    fcntl = None  # type: ignore[assignment]

_RANDOM_PART = re.compile(r"[0-9a-f]{16}\.tmp")
STALE_AFTER = 2.0
"""Seconds a temporary file must have been left alone before a later save may remove it (one hour
where there are no file locks); with locks it must also not be held by a save still running."""


class UnreadableFileError(ValueError):
    """A path that is not a regular file, or a file larger than its reader accepts."""


def temporary_prefix(path: str | os.PathLike[str]) -> str:
    """The start of the name of every temporary file written for ``path``: ``.chainrule-<hash>-``.

    A hash of the file's name, so that names of any length or character give one short stem that
    no other target shares.
    """
    name = os.path.basename(os.fspath(path)).encode("utf-8", "surrogateescape")
    return f".chainrule-{hashlib.sha256(name).hexdigest()[:16]}-"


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: into a temporary file beside it, then rename.

    A crash half way leaves the old file (if any) untouched rather than a truncated one. A
    symbolic link is written through (its target is replaced, the link stays); an existing file
    keeps its permissions (and its owner and group, where the user may set them), a new one gets
    the usual ones (0666 less the umask). Temporary files that earlier, killed, saves of ``path``
    left behind are removed. Errors name ``path``.
    """
    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    try:
        existing = _existing(target)
    except OSError as error:
        raise _naming(error, path) from None
    mode = None if existing is None else stat.S_IMODE(existing.st_mode)
    prefix = temporary_prefix(name)
    _remove_abandoned(directory, prefix)
    temporary = os.path.join(directory, prefix + secrets.token_hex(8) + ".tmp")
    descriptor = -1
    try:
        flags = (
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        )
        descriptor = os.open(temporary, flags, 0o600 if mode is not None else 0o666)
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # "being written": not abandoned
        if existing is not None and hasattr(os, "fchown"):
            _keep_owner(descriptor, existing)
        if mode is not None and hasattr(os, "fchmod"):
            os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8", closefd=False) as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        if descriptor >= 0 and os.path.lexists(temporary):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise _naming(error, path) from None
        if isinstance(error, UnicodeEncodeError):
            raise _unwritable(error, path) from None
        raise
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def read_regular_file(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``; ``UnreadableFileError`` for anything else.

    A FIFO, a device, a directory or a socket is refused without reading (a FIFO is opened
    without waiting for a writer), and so is a file of more than ``max_bytes`` bytes.
    """
    _check_regular(os.stat(path), path)
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    )
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as file:
        information = os.fstat(descriptor)
        _check_regular(information, path)  # what was opened, in case the path changed in between
        if information.st_size > max_bytes:
            raise UnreadableFileError(_too_large(path, max_bytes))
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnreadableFileError(_too_large(path, max_bytes))
    return data


def _check_regular(information: os.stat_result, path: str | os.PathLike[str]) -> None:
    if not stat.S_ISREG(information.st_mode):
        raise UnreadableFileError(f"{os.fspath(path)}: not a regular file ({_kind(information.st_mode)})")


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO, which would wait for a writer"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a file")


def _too_large(path: str | os.PathLike[str], max_bytes: int) -> str:
    return f"{os.fspath(path)}: larger than {max_bytes:,} bytes, more than this reader accepts"


def _existing(target: str) -> os.stat_result | None:
    """What ``os.stat`` says of the file at ``target``, ``None`` if there is none; refuse a non-file."""
    try:
        information = os.stat(target)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(information.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), target)
    if not stat.S_ISREG(information.st_mode):
        raise OSError(errno.EINVAL, f"not a regular file ({_kind(information.st_mode)})", target)
    return information


def _keep_owner(descriptor: int, existing: os.stat_result) -> None:
    """Give the new file the old one's owner and group, as far as this user may (root: both)."""
    for uid, gid in ((existing.st_uid, existing.st_gid), (-1, existing.st_gid)):
        try:
            os.fchown(descriptor, uid, gid)
            return
        except OSError:
            continue


def _remove_abandoned(directory: str, prefix: str) -> None:
    """Remove the temporary files named ``prefix<random>.tmp`` in ``directory`` that no save is writing."""
    try:
        entries = [entry.name for entry in os.scandir(directory) if entry.name.startswith(prefix)]
    except OSError:
        return
    for name in entries:
        if _RANDOM_PART.fullmatch(name[len(prefix) :]):
            _remove_if_abandoned(os.path.join(directory, name))


def _remove_if_abandoned(path: str) -> None:
    """Remove ``path`` if it is a regular file that is old enough and not locked by a running save."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return
    try:
        information = os.fstat(descriptor)
        age = time.time() - information.st_mtime
        if not stat.S_ISREG(information.st_mode) or age < (STALE_AFTER if fcntl is not None else 3600):
            return
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while a save holds it
        if os.path.samestat(information, os.lstat(path)):
            os.unlink(path)
    except OSError:
        return
    finally:
        os.close(descriptor)


def _unwritable(error: UnicodeEncodeError, path: str | os.PathLike[str]) -> ValueError:
    """What cannot be written, shown where it is (a lone surrogate: UTF-8 has no bytes for one)."""
    around = error.object[max(error.start - 30, 0) : error.end + 30]
    return ValueError(
        f"{os.fspath(path)}: cannot write {error.object[error.start : error.end]!r} at character "
        f"{error.start} (in {around!r}): a lone surrogate, which UTF-8 cannot encode; nothing was written"
    )


def _naming(error: OSError, path: str | os.PathLike[str]) -> OSError:
    """The same error, about ``path`` (the user's name for the file) rather than a temporary file."""
    if error.errno is None:
        return error
    return OSError(error.errno, error.strerror, os.fspath(path))
