"""A whole installation in one file, and back: the database, every stored file, and a manifest
holding the SHA-256 of each part, so a damaged copy is found before anything is touched.

The database is copied the way its engine copies itself while in use: pg_dump's custom format
on PostgreSQL, the online backup API on SQLite. Stored files come from Django's default storage,
the disk under MEDIA_ROOT or the S3 bucket, whichever the settings name. A restore goes only
into an empty installation: it never merges two centres' records or overwrites one.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

FORMAT = "nvq-portfolio-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_PARTS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024
# Rows Django writes on `migrate` into any new database: their presence is not data.
# Django's own, and the page cache's versions (moved on by migrate's own writes).
BOOKKEEPING_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "page_cache_tableversion",
}


class BackupRefused(Exception):
    """The backup cannot be made or restored as asked; the message says why."""


@dataclass
class BackupSummary:
    path: Path
    database: str
    files: int
    bytes: int
    parts: dict = field(default_factory=dict)


def backup_make(*, out):
    """Write a backup of this installation to `out` (a .tar file, or a directory to put one
    named by the time in) and return what it holds."""
    out = Path(out)
    if out.suffix != ".tar":
        out.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y-%m-%dT%H%M%SZ")
        out = out / f"nvq-portfolio-backup-{stamp}.tar"
    if out.exists():
        raise BackupRefused(f"{out} already exists; a backup never overwrites another.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    parts, media = {}, []
    # Personal data: readable by the account that made it, no other.
    partial.touch(mode=0o600, exist_ok=False)
    try:
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            with tempfile.TemporaryDirectory() as scratch:
                dump = _dump_database(Path(scratch))
                part = DATABASE_PARTS[connection.vendor]
                with open(dump, "rb") as source:
                    parts[part] = _add(archive, part, source, dump.stat().st_size)
            for name, size in _stored_files():
                with default_storage.open(name, "rb") as source:
                    digest = _add(archive, MEDIA_PREFIX + name, source, size)
                parts[MEDIA_PREFIX + name] = digest
                media.append({"name": name, "size": size, "sha256": digest})
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": timezone.now().isoformat(),
                "database": {"vendor": connection.vendor, "part": part},
                "migrations": _applied_migrations(),
                "storage": settings.STORAGES["default"]["BACKEND"],
                "media": media,
                "parts": parts,
            }
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            _add(archive, MANIFEST, io.BytesIO(body), len(body))
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(
        path=out,
        database=connection.vendor,
        files=len(media),
        bytes=sum(entry["size"] for entry in media),
        parts=parts,
    )


def backup_restore(*, path):
    """Restore the backup at `path` into this installation, which must be empty. Every part's
    hash is checked before the database or the storage is touched; returns the manifest."""
    path = Path(path)
    if not path.is_file():
        raise BackupRefused(f"{path} is not a file.")
    if not tarfile.is_tarfile(path):
        raise BackupRefused(f"{path} is not a backup: it is not a tar file.")
    with tarfile.open(path, "r:") as archive:
        manifest = _read_manifest(archive)
        _verify(archive, manifest)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupRefused(
                f"This backup holds a {vendor} database; this installation uses "
                f"{connection.vendor}."
            )
        _refuse_unless_empty()
        with tempfile.TemporaryDirectory() as scratch:
            part = manifest["database"]["part"]
            dump = Path(scratch) / part
            _extract(archive, part, dump)
            _load_database(dump)
        for entry in manifest["media"]:
            source = archive.extractfile(MEDIA_PREFIX + entry["name"])
            saved = default_storage.save(entry["name"], File(source, name=entry["name"]))
            if saved != entry["name"]:
                raise BackupRefused(f"The storage renamed {entry['name']} to {saved}.")
    connection.close()
    # Pages cached before (a shared Redis) were keyed by versions the backup now gives again.
    cache.clear()
    return manifest


# Making


def _add(archive, name, source, size):
    """Stream `source` into the archive as `name`, returning its SHA-256."""
    reader = _HashingReader(source)
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(time.time()), 0o600
    archive.addfile(info, reader)
    if reader.read_bytes != size:
        raise BackupRefused(f"{name} changed size while it was being copied.")
    return reader.hexdigest()


class _HashingReader:
    def __init__(self, source):
        self.source, self.hash, self.read_bytes = source, hashlib.sha256(), 0

    def read(self, size=-1):
        chunk = self.source.read(size)
        self.hash.update(chunk)
        self.read_bytes += len(chunk)
        return chunk

    def hexdigest(self):
        return self.hash.hexdigest()


def _dump_database(scratch):
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        target = scratch / "database.sqlite3"
        # The online backup API: a consistent copy while the app goes on writing.
        source = sqlite3.connect(database["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    if connection.vendor == "postgresql":
        target = scratch / "database.pgdump"
        _run_pg(["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(target)])
        return target
    raise BackupRefused(f"Backups of a {connection.vendor} database are not supported.")


def _stored_files():
    """(name, size) of every stored file, in name order: the bucket's listing on S3."""
    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:
        listing = ((entry.key, entry.size) for entry in bucket.objects.all())
        return sorted(listing)
    root = Path(default_storage.location)
    if not root.is_dir():
        return []
    return sorted(
        (path.relative_to(root).as_posix(), path.stat().st_size)
        for path in root.rglob("*")
        if path.is_file()
    )


def _applied_migrations():
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


# Restoring


def _read_manifest(archive):
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise BackupRefused(f"This is not a backup: it has no {MANIFEST}.") from None
    try:
        manifest = json.loads(archive.extractfile(member).read())
    except (ValueError, AttributeError):
        raise BackupRefused(f"The backup's {MANIFEST} is damaged: it is not JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"The backup's {MANIFEST} is not an NVQ Portfolio backup's.")
    if manifest.get("version") != VERSION:
        raise BackupRefused(f"This backup is format version {manifest.get('version')}.")
    return manifest


def _verify(archive, manifest):
    """Every listed part present with its hash, and nothing else in the archive."""
    members = {member.name: member for member in archive.getmembers()}
    parts = manifest["parts"]
    for name, expected in sorted(parts.items()):
        member = members.get(name)
        if member is None or not member.isfile():
            raise BackupRefused(f"The backup is damaged: {name} is missing.")
        digest = hashlib.sha256()
        source = archive.extractfile(member)
        while chunk := source.read(CHUNK):
            digest.update(chunk)
        if digest.hexdigest() != expected:
            raise BackupRefused(f"The backup is damaged: {name} does not match its SHA-256.")
    unlisted = sorted(set(members) - set(parts) - {MANIFEST})
    if unlisted:
        raise BackupRefused(f"The backup is damaged: {unlisted[0]} is not in its manifest.")
    listed_media = {MEDIA_PREFIX + entry["name"] for entry in manifest["media"]}
    if listed_media != {name for name in parts if name.startswith(MEDIA_PREFIX)}:
        raise BackupRefused("The backup is damaged: its manifest's file list disagrees.")


def _refuse_unless_empty():
    """Refuse when any table (but Django's own bookkeeping) holds a row, or storage a file."""
    tables = sorted(set(connection.introspection.table_names()) - BOOKKEEPING_TABLES)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 (a table name)
            if cursor.fetchone():
                raise BackupRefused(
                    f"This installation is not empty (table {table} has rows): a backup is "
                    "restored only into a new, empty database."
                )
    files = _stored_files()
    if files:
        raise BackupRefused(
            f"This installation's storage is not empty ({files[0][0]} is there): a backup is "
            "restored only into empty storage."
        )


def _extract(archive, name, target):
    with archive.extractfile(name) as source, open(target, "wb") as copy:
        while chunk := source.read(CHUNK):
            copy.write(chunk)


def _load_database(dump):
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.close()
        source = sqlite3.connect(dump)
        target = sqlite3.connect(database["NAME"])
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    connection.close()
    # --clean drops the (empty) tables `migrate` may have made; one transaction: all or nothing.
    _run_pg(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            database["NAME"],
            str(dump),
        ]
    )


def _run_pg(command):
    database = connection.settings_dict
    env = {**os.environ, "PGDATABASE": database["NAME"]}
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ]:
        if database.get(key):
            env[variable] = str(database[key])
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupRefused(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
