"""Backups of the whole database, their verification and their restore (BD23 Đ.19: backups whose
integrity is guaranteed).

A backup is two files: FILE, the database itself — on SQLite a copy taken with SQLite's online
backup API while the server runs (a consistent snapshot; writers go on), on PostgreSQL a
`pg_dump` custom-format archive of the server's schema — and FILE.manifest.json beside it:
the format, the schema revision, when it was taken, the row count of every table *in that same
snapshot* (PostgreSQL: counted in the transaction whose snapshot `pg_dump --snapshot` dumps) and
the SHA-256 of FILE.

Restoring checks FILE against its manifest and reads it whole (SQLite `integrity_check`,
`pg_restore --list`) before it touches anything; it refuses a database that holds data unless
forced, and writes in one transaction (SQLite: the backup API into the target; PostgreSQL: the
drop of the old tables and the archive's statements in one `psql --single-transaction`), then
brings the schema up to this code's revision. Verifying restores into a scratch database (a
temporary SQLite file; a temporary PostgreSQL database) and compares every table's row count
with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from ..commands import CommandError
from ..timeutil import utcnow

MANIFEST_SUFFIX = ".manifest.json"
FORMAT_SQLITE = "sqlite"
FORMAT_PG = "pg_dump-custom"
PG_TOOLS = ("pg_dump", "pg_restore", "psql")


@dataclass
class Manifest:
    format: str
    revision: str | None
    taken_at: str
    counts: dict[str, int]
    sha256: str = ""
    schema: str | None = None  # PostgreSQL: the schema the archive holds
    extra: dict = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise CommandError(
                f"Tệp kiểm tra {path.name} không đọc được ({exc}); bản sao lưu không được dùng."
            ) from None
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")


def manifest_path(file: Path) -> Path:
    return file.with_name(file.name + MANIFEST_SUFFIX)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise CommandError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(database)


# -- row counts -------------------------------------------------------------------------------


def _count_tables(conn, tables: list[str]) -> dict[str, int]:
    return {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in sorted(tables)}


def _sqlite_counts(path: Path) -> tuple[dict[str, int], str | None]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        return counts, revision
    finally:
        conn.close()


def holds_data(url: str) -> bool:
    """Whether the database has any row outside the migration bookkeeping (a fresh one has none)."""
    if is_sqlite(url) and not sqlite_path(url).exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
            return any(conn.execute(text(f'SELECT 1 FROM "{t}" LIMIT 1')).first() for t in tables)
    finally:
        engine.dispose()


def _known_revision(revision: str | None) -> None:
    from alembic.script import ScriptDirectory

    from ..migrate import alembic_config

    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    if revision not in {r.revision for r in script.walk_revisions()}:
        raise CommandError(
            f"Bản sao lưu có phiên bản cơ sở dữ liệu {revision}, mới hơn phần mềm này; hãy cài phiên bản phần mềm mới hơn."
        )


# -- PostgreSQL helpers -------------------------------------------------------------------------


def _pg_tools() -> None:
    missing = [t for t in PG_TOOLS if shutil.which(t) is None]
    if missing:
        raise CommandError(f"Thiếu công cụ PostgreSQL {', '.join(missing)}: cài gói postgresql-client.")


def _libpq(url: str | URL) -> tuple[str, dict]:
    """A libpq connection URI (password left out) and the environment that carries the password."""
    u = make_url(url) if isinstance(url, str) else url
    query = {k: v for k, v in u.query.items() if k in ("options", "sslmode", "application_name")}
    plain = URL.create("postgresql", u.username, None, u.host, u.port, u.database, query)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict, what: str, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
        raise CommandError(f"{what} thất bại: {detail[0][:300]}")
    return done


def _pg_schema(conn) -> str | None:
    return conn.execute(text("SELECT current_schema()")).scalar_one()


def _pg_counts(conn, schema: str) -> dict[str, int]:
    tables = inspect(conn).get_table_names(schema=schema)
    return {t: int(conn.execute(text(f'SELECT count(*) FROM "{schema}"."{t}"')).scalar_one()) for t in sorted(tables)}


def _pg_revision(conn, schema: str) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names(schema=schema):
        return None
    return conn.execute(text(f'SELECT version_num FROM "{schema}".alembic_version')).scalar()


# -- backup -----------------------------------------------------------------------------------


def backup(url: str, file: Path, *, now: datetime | None = None) -> Manifest:
    """Write a consistent backup of the database at `url` to `file` (and its manifest), while the
    server may be running. Written beside the target first and renamed: a failed backup never
    leaves a file that looks whole."""
    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".partial")
    try:
        manifest = _backup_sqlite(url, partial) if is_sqlite(url) else _backup_pg(url, partial)
        manifest.taken_at = (now or utcnow()).isoformat()
        manifest.sha256 = sha256_of(partial)
        manifest.write(manifest_path(file))
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _backup_sqlite(url: str, target: Path) -> Manifest:
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise CommandError(f"Không tìm thấy cơ sở dữ liệu {source_path}.")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    dest = sqlite3.connect(target)
    try:
        # Copies in steps of 1,000 pages: writers of the running server are held only per step,
        # and a step that sees the source change starts the copy again (SQLite's own rule), so
        # the result is the database as of one moment.
        source.backup(dest, pages=1000)
        dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dest.close()
        source.close()
    counts, revision = _sqlite_counts(target)
    return Manifest(FORMAT_SQLITE, revision, "", counts)


def _backup_pg(url: str, target: Path) -> Manifest:
    _pg_tools()
    conninfo, env = _libpq(url)
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            # One snapshot for the counts and the dump: the manifest describes exactly the archive.
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            schema = _pg_schema(conn)
            counts = _pg_counts(conn, schema)
            revision = _pg_revision(conn, schema)
            _run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--schema={schema}", "--no-owner"]
                + ["--no-privileges", f"--file={target}", f"--dbname={conninfo}"],
                env,
                "pg_dump",
            )
            conn.rollback()
    finally:
        engine.dispose()
    return Manifest(FORMAT_PG, revision, "", counts, schema=schema)


# -- checking a backup --------------------------------------------------------------------------


def check(file: Path) -> Manifest:
    """The backup's manifest after checking the file against it and reading the file whole;
    raises CommandError (and touches nothing) when anything is wrong."""
    file = Path(file)
    if not file.is_file():
        raise CommandError(f"Không tìm thấy tệp sao lưu {file}.")
    manifest = Manifest.read(manifest_path(file))
    if manifest is not None and manifest.sha256 and sha256_of(file) != manifest.sha256:
        raise CommandError(
            f"Tệp sao lưu {file.name} không khớp mã kiểm tra SHA-256 (hỏng hoặc bị sửa); không dùng được."
        )
    with open(file, "rb") as f:
        head = f.read(16)
    if head.startswith(b"SQLite format 3"):
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise CommandError(f"Tệp sao lưu {file.name} hỏng: {exc}.") from None
        finally:
            conn.close()
        if result != "ok":
            raise CommandError(f"Tệp sao lưu {file.name} hỏng (integrity_check: {result[:200]}).")
        counts, revision = _sqlite_counts(file)
        found = Manifest(FORMAT_SQLITE, revision, "", counts)
    elif head.startswith(b"PGDMP"):
        _pg_tools()
        _run(["pg_restore", "--list", str(file)], dict(os.environ), "Đọc tệp sao lưu (pg_restore --list)")
        found = Manifest(FORMAT_PG, manifest.revision if manifest else None, "", manifest.counts if manifest else {})
        found.schema = manifest.schema if manifest else None
    else:
        raise CommandError(f"{file.name} không phải bản sao lưu (SQLite hoặc pg_dump dạng custom).")
    if manifest is not None and manifest.format != found.format:
        raise CommandError(f"Tệp sao lưu {file.name} không đúng định dạng ghi trong tệp kiểm tra.")
    if manifest is not None and found.format == FORMAT_SQLITE and manifest.counts != found.counts:
        raise CommandError(f"Số bản ghi trong {file.name} không khớp tệp kiểm tra.")
    _known_revision(found.revision)
    result = manifest or found
    result.extra = {"manifest": manifest is not None}
    return result


# -- restore ----------------------------------------------------------------------------------


def restore(file: Path, url: str, *, force: bool = False) -> Manifest:
    """Replace the database at `url` with the backup `file` (checked first), then migrate it to
    this code's revision. Refuses a database that holds data unless `force`."""
    manifest = check(file)
    sqlite_file = manifest.format == FORMAT_SQLITE
    if sqlite_file != is_sqlite(url):
        kind = "SQLite" if sqlite_file else "PostgreSQL"
        raise CommandError(f"Bản sao lưu là của {kind}, khác loại với cơ sở dữ liệu đích.")
    if not force and holds_data(url):
        raise CommandError(
            "Cơ sở dữ liệu đích đang có dữ liệu; dùng --force để ghi đè (hãy dừng máy chủ và sao lưu nó trước)."
        )
    if sqlite_file:
        _restore_sqlite(Path(file), sqlite_path(url))
    else:
        _restore_pg(Path(file), url, manifest)
    from ..migrate import upgrade

    upgrade(url)
    return manifest


def _restore_sqlite(file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    dest = sqlite3.connect(target, timeout=30)
    try:
        # The backup API writes the target under its own lock, in one go: readers see the old
        # database or the new one, and its WAL is taken care of.
        source.backup(dest)
    finally:
        dest.close()
        source.close()


def _restore_pg(file: Path, url: str, manifest: Manifest) -> None:
    _pg_tools()
    conninfo, env = _libpq(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            schema = _pg_schema(conn)
    finally:
        engine.dispose()
    if schema is None:  # the search_path names a schema that does not exist yet: the restore creates it
        schema = manifest.schema or "public"
    if manifest.schema and manifest.schema != schema:
        raise CommandError(
            f"Bản sao lưu thuộc lược đồ {manifest.schema}, cơ sở dữ liệu đích dùng lược đồ {schema}; hãy đặt search_path cho khớp."
        )
    with tempfile.TemporaryDirectory(prefix="motcua-restore-") as tmp:
        listing = _run(["pg_restore", "--list", str(file)], env, "pg_restore --list").stdout
        entries = Path(tmp) / "entries.list"
        # The schema itself is created (if missing) by the preamble, not by the archive.
        entries.write_text("\n".join(line for line in listing.splitlines() if " SCHEMA " not in line) + "\n")
        statements = Path(tmp) / "restore.sql"
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", f"--use-list={entries}", f"--file={statements}", str(file)],
            env,
            "pg_restore",
        )
        script = Path(tmp) / "all.sql"
        with open(script, "w", encoding="utf-8") as out:
            out.write(_pg_clear_schema_sql(schema))
            with open(statements, encoding="utf-8") as body:
                shutil.copyfileobj(body, out)
        # The old tables' removal and the archive's statements commit together or not at all.
        _run(
            ["psql", "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"]
            + [f"--file={script}", f"--dbname={conninfo}"],
            env,
            "Khôi phục (psql)",
        )


def _pg_clear_schema_sql(schema: str) -> str:
    """Statements that empty `schema` of tables, sequences, views and functions (run in the restore's
    transaction), creating the schema if it does not exist."""
    q = schema.replace('"', '""')
    lit = schema.replace("'", "''")
    return f"""
CREATE SCHEMA IF NOT EXISTS "{q}";
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = '{lit}' AND c.relkind IN ('r', 'p', 'v', 'm') LOOP
    EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, '{lit}', r.relname);
  END LOOP;
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = '{lit}' AND c.relkind = 'S' LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', '{lit}', r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = '{lit}' LOOP
    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
  END LOOP;
END $$;
"""


# -- verify -----------------------------------------------------------------------------------


@dataclass
class Verification:
    counts: dict[str, int]
    expected: dict[str, int]

    @property
    def differences(self) -> dict[str, tuple[int | None, int | None]]:
        names = set(self.counts) | set(self.expected)
        return {
            n: (self.expected.get(n), self.counts.get(n))
            for n in sorted(names)
            if self.expected.get(n) != self.counts.get(n)
        }


def verify(file: Path, url: str) -> Verification:
    """Restore `file` into a scratch database (never `url`'s own data) and compare every table's
    row count with the manifest; raises CommandError when they differ."""
    manifest = check(file)
    if not manifest.extra.get("manifest"):
        raise CommandError(f"Không có tệp kiểm tra {manifest_path(Path(file)).name}: không có số bản ghi để so sánh.")
    with _scratch(manifest, url) as (scratch_url, counter):
        _restore_scratch(Path(file), scratch_url, manifest)
        counts = counter()
    result = Verification(counts, manifest.counts)
    if result.differences:
        detail = ", ".join(f"{t}: {a} → {b}" for t, (a, b) in list(result.differences.items())[:5])
        raise CommandError(f"Khôi phục thử cho số bản ghi khác tệp kiểm tra ({detail}).")
    return result


def _restore_scratch(file: Path, scratch_url: str, manifest: Manifest) -> None:
    if manifest.format == FORMAT_SQLITE:
        _restore_sqlite(file, sqlite_path(scratch_url))
    else:
        _restore_pg(file, scratch_url, manifest)


@contextmanager
def _scratch(manifest: Manifest, url: str) -> Iterator[tuple[str, callable]]:
    if manifest.format == FORMAT_SQLITE:
        with tempfile.TemporaryDirectory(prefix="motcua-verify-") as tmp:
            path = Path(tmp) / "scratch.sqlite3"
            yield f"sqlite:///{path}", lambda: _sqlite_counts(path)[0]
        return
    if is_sqlite(url):
        raise CommandError("Kiểm tra bản sao lưu PostgreSQL cần MOTCUA_DATABASE_URL trỏ tới máy chủ PostgreSQL.")
    name = f"motcua_verify_{secrets.token_hex(4)}"
    base = make_url(url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = base.set(database=name)
        options = f"-csearch_path={manifest.schema}" if manifest.schema else None
        scratch = scratch.update_query_dict({"options": options} if options else {})

        def counter() -> dict[str, int]:
            engine = create_engine(scratch)
            try:
                with engine.connect() as conn:
                    return _pg_counts(conn, manifest.schema or _pg_schema(conn))
            finally:
                engine.dispose()

        yield scratch.render_as_string(hide_password=False), counter
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
