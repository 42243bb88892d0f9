"""Store locations: turn what a user passes into a SQLAlchemy URL, and hide its secrets.

A plain path (``"bolt.db"``, ``Path(...)``) means a SQLite file; anything with
``://`` is a SQLAlchemy URL (``postgresql+psycopg://user:pw@host/db``). Every
message and repr shows the URL through :func:`mask_url`, never raw.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bolt_exec.errors import ConfigError, StoreError

__all__ = ["check_sqlite_file", "mask_url", "parse_url", "scrub"]

_SQLITE_HEADER: Final = b"SQLite format 3\x00"
_USERINFO: Final = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def parse_url(location: str | Path) -> URL:
    """Return the SQLAlchemy URL for ``location`` (a URL or a SQLite file path).

    Raises:
        ConfigError: if ``location`` is neither (the message is masked).
    """
    if isinstance(location, Path) or "://" not in location:
        path = Path(location).expanduser()
        return URL.create("sqlite", database=str(path))
    try:
        return make_url(location)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"store={scrub(location)!r}: not a SQLAlchemy URL; use e.g. 'sqlite:///bolt.db' "
            "or 'postgresql+psycopg://user:password@host:5432/db'"
        ) from None


def mask_url(url: URL) -> str:
    """Return ``url`` as text with its password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def scrub(text: object, url: URL | None = None) -> str:
    """Return ``str(text)`` with any URL password (and ``url``'s password) masked."""
    out = _USERINFO.sub(r"\1***@", str(text))
    if url is not None and url.password:
        out = out.replace(str(url.password), "***")
    return out


def check_sqlite_file(url: URL) -> None:
    """Refuse, before anything is opened, a SQLite path that cannot be our store.

    Raises:
        StoreError: if the directory is missing, the path is a directory, or the
            file exists but is not a SQLite database (corrupt or another format).
    """
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if path.is_dir():
        raise StoreError(
            f"store path {str(path)!r} is a directory; give a file name such as "
            f"{str(path / 'bolt.db')!r}"
        )
    if not path.parent.exists():
        raise StoreError(
            f"store path {str(path)!r}: directory {str(path.parent)!r} does not exist; "
            "create it first (the store creates only the file)"
        )
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        raise StoreError(
            f"store file {str(path)!r} is not a SQLite database (corrupt, or another "
            "format); nothing was changed. Move it aside and restore the store from a backup, "
            "or choose another path"
        )
