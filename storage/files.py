"""Files only their owner may read: the database (with its -wal and -shm), the paper exchange's
state and the marker beside them hold account data, so they are created 0600 and an existing
one readable by others is tightened when opened.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

PRIVATE = 0o600
SIDECARS = ("-wal", "-shm", "-journal")  # SQLite's companions of a database file
log = logging.getLogger(__name__)


def private_file(path: Path | str) -> None:
    """Create path empty with mode 0600 if it does not exist, else take group/other access away
    (the same for its SQLite companion files). The parent directory is created if needed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    for each in (target, *(Path(f"{target}{s}") for s in SIDECARS)):
        _tighten(each)


def _tighten(path: Path) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        os.chmod(path, mode & 0o700)
        log.info("%s was readable by others (mode %o); now %o", path, mode, mode & 0o700)
