"""The embedded store's data directory, readable by its owner only.

Stored BOMs carry supplier names and prices, so the directory is 0700 and every file in it 0600,
whatever the umask: a directory that exists with wider permissions is tightened, and one owned by
another user is refused (origingraph will not take over, or loosen, someone else's data). The
process's umask is narrowed to 077 too, since the database engine keeps creating files (new
buckets, WAL segments) for as long as it runs.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE, FILE_MODE = 0o700, 0o600


def _refusal(message: str) -> Exception:
    """The embedded store's own error, so every caller of ``EmbeddedServer.start`` reports it as it does
    any other reason the store cannot start (imported here: ``graph.embedded`` imports this module)."""
    from graph.embedded import EmbeddedStoreError

    return EmbeddedStoreError(message)


def secure_data_dir(path: Path) -> Path:
    """Create ``path`` (0700) or check and tighten it, with everything inside it; the path."""
    os.umask(os.umask(0o077) | 0o077)
    try:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except FileExistsError:  # a file of that name: refused below
        pass
    except OSError as exc:
        raise _refusal(f"cannot create the data directory {path}: {exc.strerror}. Set ORIGINGRAPH_DATA "
                       "to a directory you own") from None
    try:
        info = path.stat()
    except OSError as exc:
        raise _refusal(f"cannot read the data directory {path}: {exc.strerror}. Set ORIGINGRAPH_DATA "
                       "to a directory you own") from None
    if not stat.S_ISDIR(info.st_mode):
        raise _refusal(f"the data directory {path} is not a directory: "
                       "set ORIGINGRAPH_DATA to a directory you own")
    if info.st_uid != os.getuid():
        raise _refusal(f"the data directory {path} belongs to user id {info.st_uid}, not to you "
                       f"({os.getuid()}): origingraph will not use or change another user's data. "
                       "Run as that user, or set ORIGINGRAPH_DATA to a directory you own")
    _tighten(path)
    return path


def _tighten(root: Path) -> None:
    """Directories 0700 and files 0600 under ``root`` (symlinks are not followed)."""
    os.chmod(root, DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            _chmod(Path(folder, name), DIR_MODE)
        for name in files:
            _chmod(Path(folder, name), FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    try:
        info = path.lstat()
        if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & ~mode:
            os.chmod(path, stat.S_IMODE(info.st_mode) & mode)
    except FileNotFoundError:  # removed while walking (a WAL segment rotated away)
        pass
