"""Engine, sessions and the shared declarative base.

SQLite is the embedded default (WAL, busy timeout, BEGIN IMMEDIATE so that writers queue
instead of failing with "database is locked" halfway through a transaction); PostgreSQL by URL.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy import exc as exc_module
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from .timeutil import aware

try:
    import fcntl
except ImportError:  # not POSIX: processes fall back on SQLite's busy handler
    fcntl = None

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes on both databases (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use timeutil.utcnow()")
        if dialect.name == "postgresql":
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return aware(value)


JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict: JSONType, list: JSONType}


class Sequence(Base):
    """Named counters that must never repeat (ticket numbers, dossier day sequences, event seqs)."""

    __tablename__ = "sequences"
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), nullable=False)


def _next_value_statement(dialect_insert):
    # On the table, not the mapped class: a Core statement skips the ORM's bulk-insert machinery
    # (about half a millisecond of Python per call, on a path every issuing and calling takes).
    table = Sequence.__table__
    return (
        dialect_insert(table)
        .values(name=bindparam("name"), value=bindparam("first"))
        .on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + bindparam("count")})
        .returning(table.c.value)
    )


# Built once per dialect: this runs in every transaction that takes a number or records an event.
_NEXT_VALUE = {"postgresql": _next_value_statement(postgresql.insert), "sqlite": _next_value_statement(sqlite.insert)}


def next_value(session: Session, name: str, start: int = 1, count: int = 1) -> int:
    """Take the next value (or the next `count` values: the last is returned) of a named counter
    inside the caller's transaction.

    One upsert statement: the row lock it takes (PostgreSQL) or the write lock (SQLite)
    is held until commit, so concurrent callers queue and never see the same value; a
    rolled-back caller gives its values back.
    """
    stmt = _NEXT_VALUE["postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"]
    return int(session.execute(stmt, {"name": name, "first": start + count - 1, "count": count}).scalar_one())


def current_value(session: Session, name: str) -> int:
    return int(session.execute(select(Sequence.value).where(Sequence.name == name)).scalar() or 0)


def current_values(session: Session, names) -> dict[str, int]:
    """The current value of each of these counters (0 for one never taken), in one statement."""
    names = list(names)
    found = dict(session.execute(select(Sequence.name, Sequence.value).where(Sequence.name.in_(names))).all())
    return {name: int(found.get(name) or 0) for name in names}


_INSERTS: dict[tuple, object] = {}


def _unnest_insert(dialect, table, columns: list[str], returning: tuple):
    quote = dialect.identifier_preparer.quote
    casts = ", ".join(f"CAST(:{c} AS {table.c[c].type.compile(dialect=dialect)}[])" for c in columns)
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) SELECT * FROM unnest({casts})"
    if returning:
        sql += " RETURNING " + ", ".join(quote(c.name) for c in returning)
    return text(sql).columns(*returning) if returning else text(sql)


def _require_defaults_given(table, columns) -> None:
    missing = [c.name for c in table.columns if c.default is not None and c.name not in columns]
    if missing:  # the same rows must work on both databases; unnest knows no Python-side defaults
        raise ValueError(f"insert_rows into {table.name}: give {', '.join(missing)} explicitly")


def insert_rows(session: Session, table, rows: list[dict], returning: tuple = ()) -> list:
    """Insert `rows` (dicts with the same keys) as one statement; the `returning` columns of the
    new rows, in no particular order (match them on a key). Columns with Python-side defaults
    must be given.

    On PostgreSQL: INSERT … SELECT FROM unnest(one array per column). Its text is the same for
    any number of rows, so it is parsed and prepared once, and the rows travel in one round trip;
    a multi-row VALUES list (a new text per row count, too long for the driver's cache) or one
    INSERT per row costs several times more at the rates of a centre's opening hour. On SQLite
    (in-process, no round trips): an ordinary multi-row insert.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect
    columns = list(rows[0])
    key = (dialect.name, table.name, tuple(columns), tuple(c.name for c in returning))
    stmt = _INSERTS.get(key)
    if stmt is None:
        _require_defaults_given(table, columns)
        stmt = _INSERTS[key] = (
            _unnest_insert(dialect, table, columns, returning)
            if dialect.name == "postgresql"
            # Not sort_by_parameter_order: the caller matches rows on a key, and asking for the
            # order made SQLite run one INSERT per row (no sentinel column to sort on).
            else (table.insert().returning(*returning) if returning else table.insert())
        )
    if dialect.name != "postgresql":
        result = session.execute(stmt, rows)
        return result.all() if returning else []
    result = session.execute(stmt, column_arrays(dialect, table, rows))
    return result.all() if returning else []


@dataclass(frozen=True)
class Dependents:
    """Rows of another table that take the id of the row they belong to (`link`: the column that
    holds it), inserted with their parent rows by `insert_with_dependents`. `keys[i]` identifies
    the parent of `rows[i]` by the values of the parent's `parent_key` columns."""

    table: Table
    link: str
    keys: list[tuple]
    rows: list[dict]


def insert_with_dependents(
    session: Session, table, rows: list[dict], parent_key: tuple[str, ...], dependents: list[Dependents]
) -> list:
    """`insert_rows(rows)` returning (id, *parent_key) of each new row, and with each of them the
    `dependents` that point at them — a ticket with its history and its statistics row.

    On PostgreSQL one statement: the dependents' inserts are data-modifying CTEs that take the new
    ids from the parent insert's RETURNING (one round trip and one prepared text instead of one per
    table; the texts, like insert_rows', do not depend on the number of rows). On SQLite, in-process,
    one insert per table as before.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect
    returning = (table.c.id, *(table.c[k] for k in parent_key))
    if dialect.name != "postgresql":
        found = insert_rows(session, table, rows, returning=returning)
        ids = {tuple(key): pid for pid, *key in found}
        for d in dependents:
            insert_rows(session, d.table, [{d.link: ids[k], **r} for k, r in zip(d.keys, d.rows)])
        return found
    if any(len(d.rows) != len(d.keys) for d in dependents):
        raise ValueError("insert_with_dependents: one key per dependent row")
    dependents = [d for d in dependents if d.rows]
    shape = (
        table.name,
        tuple(rows[0]),
        parent_key,
        tuple((d.table.name, d.link, tuple(d.rows[0])) for d in dependents),
    )
    stmt = _INSERTS.get(shape)
    if stmt is None:
        _require_defaults_given(table, rows[0])
        for d in dependents:
            _require_defaults_given(d.table, [d.link, *d.rows[0]])
        stmt = _INSERTS[shape] = _insert_with_dependents_statement(
            dialect, table, list(rows[0]), parent_key, dependents
        )
    params = {f"p_{c}": v for c, v in column_arrays(dialect, table, rows).items()}
    for n, d in enumerate(dependents):
        for i in range(len(parent_key)):
            params[f"d{n}_k{i}"] = [key[i] for key in d.keys]
        params |= {f"d{n}_{c}": v for c, v in column_arrays(dialect, d.table, d.rows).items()}
    return session.execute(stmt, params).all()


def _insert_with_dependents_statement(dialect, table, columns: list[str], parent_key: tuple[str, ...], dependents):
    quote = dialect.identifier_preparer.quote

    def array(name: str, column) -> str:
        return f"CAST(:{name} AS {column.type.compile(dialect=dialect)}[])"

    parent_cols = ", ".join(map(quote, columns))
    parent_arrays = ", ".join(array(f"p_{c}", table.c[c]) for c in columns)
    back = ", ".join(quote(c) for c in ("id", *parent_key))
    parts = [
        f"parent AS (INSERT INTO {quote(table.name)} ({parent_cols}) SELECT * FROM unnest({parent_arrays}) "
        f"RETURNING {back})"
    ]
    for n, d in enumerate(dependents):
        cols = list(d.rows[0])
        keys = [array(f"d{n}_k{i}", table.c[k]) for i, k in enumerate(parent_key)]
        values = [array(f"d{n}_{c}", d.table.c[c]) for c in cols]
        names = [f"k{i}" for i in range(len(parent_key))] + [f"v{j}" for j in range(len(cols))]
        on = " AND ".join(f"parent.{quote(k)} = x.k{i}" for i, k in enumerate(parent_key))
        parts.append(
            f"d{n} AS (INSERT INTO {quote(d.table.name)} ({quote(d.link)}, {', '.join(map(quote, cols))}) "
            f"SELECT parent.id, {', '.join(f'x.v{j}' for j in range(len(cols)))} "
            f"FROM unnest({', '.join(keys + values)}) AS x({', '.join(names)}) JOIN parent ON {on})"
        )
    sql = "WITH " + ", ".join(parts) + f" SELECT {back} FROM parent"
    return text(sql).columns(table.c.id, *(table.c[k] for k in parent_key))


_BIND_PROCESSORS: dict[tuple, object] = {}


def column_arrays(dialect, table, rows: list[dict]) -> dict[str, list]:
    """One array per column of `rows`, as PostgreSQL's unnest takes them (values bound as their column binds them)."""
    arrays = {}
    for c in rows[0]:
        key = (dialect.name, dialect.driver, table.name, c)
        if key not in _BIND_PROCESSORS:  # built once per column: this runs in every issuing batch
            column_type = table.c[c].type
            _BIND_PROCESSORS[key] = column_type.dialect_impl(dialect).bind_processor(dialect)
        process = _BIND_PROCESSORS[key]
        values = [r[c] for r in rows]
        arrays[c] = [process(v) for v in values] if process else values
    return arrays


def lock_rows(session: Session, stmt, params: dict | None = None, of=None):
    """SELECT ... FOR UPDATE on PostgreSQL; SQLite already holds the write lock (BEGIN IMMEDIATE).

    `of`: the table or entity whose rows are locked, when the statement joins others (an outer
    join's nullable side cannot be locked)."""
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=of)
    return session.execute(stmt, params)


def lock_only(session: Session, stmt, params: dict | None = None) -> None:
    """Take row locks whose rows the caller does not need (a no-op on SQLite, already locked).

    `params`: for a statement built once with bind parameters (building one costs more than running it)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(stmt.with_for_update(), params)


class WriterLock:
    """The turn to write to one SQLite file: first among this process's threads, then among processes.

    SQLite's own busy handler makes a waiting writer sleep and poll with growing sleeps (up to
    100 ms), which under load starves writers and stretches the tail latency. Threads of one
    process queue on a lock instead; processes (uvicorn workers, commands) on an advisory lock on
    a file beside the database, polled at sub-millisecond steps. The OS drops a dead process's
    file lock, so a crash never leaves the database locked.
    """

    def __init__(self, database_path: str | None, timeout_s: float = 60.0):
        self.timeout_s = timeout_s
        self._threads = threading.Lock()  # not thread-owned: a request may commit on another pool thread
        self._fd: int | None = None
        if database_path and fcntl is not None:
            self._fd = os.open(database_path + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
            weakref.finalize(self, os.close, self._fd)

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        if not self._threads.acquire(timeout=self.timeout_s):
            raise sqlite3.OperationalError(f"database is locked (waited {self.timeout_s:.0f} s for the write lock)")
        if self._fd is None:
            return
        pause = 0.0002
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._threads.release()
                    raise sqlite3.OperationalError(
                        f"database is locked (waited {self.timeout_s:.0f} s for another process)"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 1.5, 0.002)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


def _sqlite_file(url: str) -> str | None:
    database = make_url(url).database
    return None if not database or database == ":memory:" or database.startswith("file:") else os.path.abspath(database)


# A PostgreSQL connection back in the pool for longer than this is checked (one round trip) before
# its next use; one back sooner is used as it is.
PING_AFTER_IDLE_S = 1.0


def make_engine(
    url: str,
    *,
    immediate: bool = True,
    pool_size: int = 10,
    max_overflow: int = 20,
    pgbouncer: bool = False,
    ping_after_idle_s: float = PING_AFTER_IDLE_S,
) -> Engine:
    if url.startswith("sqlite"):
        # One pooled connection per server thread, so requests queue on the write lock below
        # instead of timing out on the pool.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=40, max_overflow=10
        )
        write_lock = WriterLock(_sqlite_file(url)) if immediate else None

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            # Let SQLAlchemy's begin event control transactions (pysqlite's own is broken for this).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            if immediate:
                write_lock.acquire()
                conn.info["holds_write_lock"] = True
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                except BaseException:
                    _release(conn)
                    raise
            else:
                conn.exec_driver_sql("BEGIN")

        def _release(conn, *_args):
            if conn.info.pop("holds_write_lock", False):
                write_lock.release()

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    # Behind PgBouncer in transaction mode consecutive transactions may run on different server
    # connections: psycopg's automatic server-side prepared statements (after 5 runs of a text)
    # would name statements the next server connection has never seen, so they are off.
    connect_args = {"prepare_threshold": None} if pgbouncer else {}
    engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow, connect_args=connect_args)
    list_dumper = _list_dumper()

    @event.listens_for(engine, "connect")
    def _pg_connect(dbapi_conn, _record):
        dbapi_conn.adapters.register_dumper(list, list_dumper)

    _ping_when_idle(engine, ping_after_idle_s)
    return engine


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """SQLAlchemy's pre-ping, for connections that have been idle only (its documented pessimistic
    check, as a checkout event). A connection PostgreSQL dropped while it sat in the pool (a
    restart, a firewall's idle timeout) is found and replaced before a request uses it; a
    connection back from a transaction a moment ago is not checked: the ping cost a round trip per
    transaction, one in fifteen of an issuing batch's. Should the server drop one in that moment,
    its next statement fails as a disconnect, SQLAlchemy invalidates the pool, and that request
    alone is answered 503 (a kiosk retries it with the same request id)."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record):
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, _proxy):
        returned = record.info.get("returned_at")
        if returned is not None and time.monotonic() - returned < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                raise exc_module.DisconnectionError() from exc  # the pool retries with a new connection
            raise


@functools.cache
def _list_dumper():
    """psycopg's text dumper of lists (the arrays `insert_rows` binds), escaping without a regex.

    It escapes the quotes and backslashes of each element with a regex substitution whose
    template Python 3.11 expands in Python, several calls per character escaped: the JSON of a
    batch's history and event rows is full of quotes, and this was a fifth of the function calls
    of issuing a ticket on PostgreSQL. Two bytes replacements give the same text.
    """
    from psycopg.types.array import ListDumper

    class _Escape:
        @staticmethod
        def sub(_template, data: bytes) -> bytes:
            return data.replace(b"\\", b"\\\\").replace(b'"', b'\\"')

    class QuotedListDumper(ListDumper):
        _re_esc = _Escape()

    return QuotedListDumper


class Database:
    """The engines and session factories of one process (built at start-up, never at import)."""

    def __init__(self, url: str, *, pool_size: int | None = None, pgbouncer: bool = False):
        """`pool_size`: this process's share of the connection budget (`Settings.pool_size_per_worker`),
        held as a fixed pool without overflow; None (commands, tests): 10 plus 20 on demand."""
        self.url = url
        pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0}
        self.engine = make_engine(url, immediate=True, pgbouncer=pgbouncer, **pool)
        # Readers (WebSocket replay, snapshots) never need SQLite's write lock.
        self.read_engine = make_engine(url, immediate=False) if url.startswith("sqlite") else self.engine
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.read_session_factory = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A transaction for jobs and commands: commit on success, roll back on error."""
        with self.session_factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.read_session_factory() as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def ping(session: Session) -> None:
    session.execute(text("SELECT 1"))


class ConnectionBudgetError(RuntimeError):
    """The workers' pools together would ask PostgreSQL for more connections than it allows."""


def postgres_limits(url: str) -> tuple[int, int]:
    """PostgreSQL's (max_connections, superuser_reserved_connections), read over one short connection."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            limit = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
            reserved = int(conn.exec_driver_sql("SHOW superuser_reserved_connections").scalar_one())
    finally:
        engine.dispose()
    return limit, reserved


def check_connection_budget(
    *, budget: int, reserve: int, processes: int, max_connections: int, superuser_reserved: int
) -> int:
    """Each process's pool size, or ConnectionBudgetError naming the numbers that do not fit.

    `budget` connections are shared by `processes` pools (every worker of every host); `reserve`
    more are kept free for administration (psql, backups, migrations, `motcua-server` commands),
    and PostgreSQL keeps `superuser_reserved` of its `max_connections` for superusers."""
    usable = max_connections - superuser_reserved
    if budget + reserve > usable:
        raise ConnectionBudgetError(
            f"Ngân sách kết nối cơ sở dữ liệu không vừa PostgreSQL: MOTCUA_DB_CONNECTIONS={budget} cộng "
            f"{reserve} kết nối dành cho quản trị (MOTCUA_DB_RESERVED_CONNECTIONS) là {budget + reserve}, "
            f"vượt max_connections={max_connections} của PostgreSQL (trừ {superuser_reserved} dành cho "
            f"superuser, còn {usable}). Hãy giảm MOTCUA_DB_CONNECTIONS xuống tối đa {max(usable - reserve, 0)}, "
            "tăng max_connections, hoặc đặt PgBouncer (chế độ transaction) trước PostgreSQL. / "
            f"Connection budget {budget} + reserve {reserve} exceeds PostgreSQL max_connections "
            f"{max_connections} (usable {usable})."
        )
    per_process = budget // processes
    if per_process < 2:
        raise ConnectionBudgetError(
            f"MOTCUA_DB_CONNECTIONS={budget} chia cho {processes} tiến trình (workers × hosts) còn "
            f"{per_process} kết nối mỗi tiến trình; mỗi tiến trình cần ít nhất 2. / Connection budget "
            f"{budget} over {processes} processes leaves fewer than 2 each."
        )
    return per_process
