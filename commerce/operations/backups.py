"""Backups of the embedded default: the SQLite database and the data folder, in one archive.

`backup` copies the database with SQLite's online backup API (a consistent snapshot while
the app keeps writing: WAL readers never block the writer), then the data folder's files.
Files are written before the rows that name them are committed, so every file the snapshot
refers to already exists when the folder is copied after it. Left out: the search index
(rebuilt from the restored database, `python -m commerce.cli restore` does it), uploads
still in progress (`storage/incoming`, `storage/multipart`) and the database's own files.

The archive is a gzipped tar holding `database.sqlite3`, `data/...` and, last,
`manifest.json`: its format, when it was made, the database's schema revision and every
member's size and SHA-256. `restore` verifies all of them before it touches the target,
refuses a target that holds anything unless forced, and refuses a schema newer than this
code knows. Files of the local store stay sealed as they were (BLOB_ENCRYPTION_KEY), as do
license keys and personal data (LICENSE_ENCRYPTION_KEY): the keys are not in the archive
and must be kept, separately, with it.

PostgreSQL deployments back up with pg_dump or point-in-time recovery instead, and S3
with bucket versioning (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from sqlalchemy.engine import make_url

from commerce.config import Settings
from commerce.errors import DomainError

FORMAT = "marketplace-backup/1"
MANIFEST = "manifest.json"
DATABASE_MEMBER = "database.sqlite3"
DATA_PREFIX = "data"
# Relative to the data folder: rebuilt, or transient.
LEFT_OUT = ("search-index", "storage/incoming", "storage/multipart", "reflex-uploads")
_CHUNK = 1024 * 1024


class BackupError(DomainError):
    """A backup or restore that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    archive: Path
    schema_revision: str | None
    files: int
    bytes: int


@dataclass(frozen=True)
class RestoreReport:
    data_dir: Path
    database: Path
    schema_revision: str | None
    files: int


def sqlite_path(settings: Settings) -> Path:
    """The SQLite file of DATABASE_URL; a clear refusal for any other database."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"DATABASE_URL points at {url.get_backend_name()}, not the embedded SQLite file: back it up "
            "with pg_dump (or the server's point-in-time recovery) and its files with S3 versioning, "
            "as docs/operations.md describes."
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("DATABASE_URL names an in-memory SQLite database: there is nothing to back up.")
    return Path(url.database).resolve()


def _left_out(relative: PurePosixPath) -> bool:
    return any(relative == PurePosixPath(prefix) or PurePosixPath(prefix) in relative.parents for prefix in LEFT_OUT)


def _data_files(data_dir: Path, database: Path) -> Iterator[tuple[Path, PurePosixPath]]:
    own = {database, Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")}
    for folder, dirs, names in os.walk(data_dir):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            relative = PurePosixPath(path.relative_to(data_dir).as_posix())
            if path.resolve() in own or _left_out(relative) or not path.is_file():
                continue
            yield path, relative


class _Hashing:
    """A file read through tarfile, its SHA-256 taken on the way."""

    def __init__(self, file: BinaryIO):
        self._file = file
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self.sha256.update(data)
        return data


def _schema_revision(database: Path) -> str | None:
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()
    return ",".join(sorted(row[0] for row in rows)) or None


def _snapshot(database: Path, into: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections keep writing."""
    source = sqlite3.connect(database, timeout=30)
    target = sqlite3.connect(into)
    try:
        # In one step (pages=-1) the copy is of one moment; in several, a write to the source
        # in between would restart it.
        source.backup(target)
    finally:
        target.close()
        source.close()


def backup(settings: Settings, dest: Path, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> BackupReport:
    """Write a backup archive of `settings`' SQLite database and data folder to `dest` (a
    file, or a folder to put a timestamped archive in)."""
    database = sqlite_path(settings)
    if not database.is_file():
        raise BackupError(f"There is no database at {database} to back up.")
    made_at = now()
    dest = dest.resolve()
    if dest.is_relative_to(settings.data_dir.resolve()):
        raise BackupError(
            f"{dest} is inside the data folder {settings.data_dir}: keep backups elsewhere (each would "
            "be copied into the next, and they share the disk that may fail)."
        )
    if dest.is_dir():
        dest = dest / f"marketplace-backup-{made_at:%Y%m%dT%H%M%SZ}.tar.gz"
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose another name.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    members: dict[str, dict[str, object]] = {}
    partial = dest.with_name(dest.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(dir=dest.parent) as work, tarfile.open(partial, "w:gz") as archive:
            snapshot = Path(work) / DATABASE_MEMBER
            _snapshot(database, snapshot)
            revision = _schema_revision(snapshot)
            _add(archive, snapshot, DATABASE_MEMBER, members)
            for path, relative in _data_files(settings.data_dir, database):
                try:
                    _add(archive, path, f"{DATA_PREFIX}/{relative}", members)
                except FileNotFoundError:
                    continue  # deleted since it was listed (an expired export): not part of any row
            manifest = {
                "format": FORMAT,
                "created_at": made_at.isoformat(),
                "schema_revision": revision,
                "members": members,
            }
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)
    total = sum(int(str(member["size"])) for member in members.values())
    return BackupReport(archive=dest, schema_revision=revision, files=len(members) - 1, bytes=total)


def _add(archive: tarfile.TarFile, path: Path, name: str, members: dict[str, dict[str, object]]) -> None:
    with path.open("rb") as file:
        info = archive.gettarinfo(fileobj=file, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        hashing = _Hashing(file)
        archive.addfile(info, hashing)
    members[name] = {"size": info.size, "sha256": hashing.sha256.hexdigest()}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def read_manifest(source: Path) -> dict:
    with tarfile.open(source, "r:gz") as archive:
        try:
            member = archive.getmember(MANIFEST)
        except KeyError:
            raise BackupError(f"{source} has no {MANIFEST}: it is not a backup made by this app.") from None
        file = archive.extractfile(member)
        if file is None:
            raise BackupError(f"{source}'s {MANIFEST} is not a file.")
        manifest = json.loads(file.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is a backup of format {manifest.get('format')!r}, not {FORMAT}.")
    return manifest


def _is_empty(data_dir: Path, database: Path) -> bool:
    return not database.exists() and (not data_dir.exists() or not any(data_dir.iterdir()))


def restore(settings: Settings, source: Path, *, known_revisions: set[str], force: bool = False) -> RestoreReport:
    """Put the backup `source` in place of `settings`' database and data folder.

    Every member is checked against the manifest (size and SHA-256) in a staging folder
    first; only then is the target emptied (with `force`) and filled. `known_revisions`
    are the schema revisions this code's migrations know: a backup made by newer code is
    refused, an older one is brought up to date by the next `migrate`."""
    database = sqlite_path(settings)
    data_dir = settings.data_dir
    if not source.is_file():
        raise BackupError(f"There is no backup archive at {source}.")
    if not force and not _is_empty(data_dir, database):
        raise BackupError(
            f"{data_dir} (or the database {database}) already holds data; restoring would replace it. "
            "Restore into an empty DATA_DIR, or pass --force to replace what is there."
        )
    manifest = read_manifest(source)
    revision = manifest.get("schema_revision")
    if revision and not set(revision.split(",")) <= known_revisions:
        raise BackupError(
            f"The backup's schema revision {revision} is unknown to this version of the app: "
            "restore it with the version that made it (or a newer one)."
        )
    expected: dict[str, dict] = manifest["members"]
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir.parent, prefix=f".{data_dir.name}.restore-") as work:
        staging = Path(work)
        _extract_verified(source, staging, expected)
        if force:
            _empty(data_dir, database)
        staged_data = staging / DATA_PREFIX
        if staged_data.exists():
            for child in staged_data.iterdir():
                shutil.move(str(child), data_dir / child.name)
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging / DATABASE_MEMBER), database)
    return RestoreReport(data_dir=data_dir, database=database, schema_revision=revision, files=len(expected) - 1)


def _extract_verified(source: Path, staging: Path, expected: dict[str, dict]) -> None:
    seen: set[str] = set()
    with tarfile.open(source, "r:gz") as archive:
        for member in archive:
            if member.name == MANIFEST:
                continue
            if member.name not in expected:
                raise BackupError(f"{source} holds {member.name}, which its manifest does not list.")
            if not member.isfile():
                raise BackupError(f"{source}'s {member.name} is not a regular file.")
            # The "data" filter refuses absolute paths, '..', links and devices.
            archive.extract(member, staging, filter="data")
            path = staging / member.name
            digest, size = _digest(path)
            want = expected[member.name]
            if size != want["size"] or digest != want["sha256"]:
                raise BackupError(f"{member.name} in {source} does not match its checksum: the archive is damaged.")
            seen.add(member.name)
    missing = set(expected) - seen
    if missing:
        raise BackupError(f"{source} lacks {len(missing)} file(s) its manifest lists, e.g. {sorted(missing)[0]}.")
    if DATABASE_MEMBER not in seen:
        raise BackupError(f"{source} holds no database.")


def _digest(path: Path) -> tuple[str, int]:
    sha256, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            sha256.update(chunk)
            size += len(chunk)
    return sha256.hexdigest(), size


def _empty(data_dir: Path, database: Path) -> None:
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")):
        path.unlink(missing_ok=True)
    for child in data_dir.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
