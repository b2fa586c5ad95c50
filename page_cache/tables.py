"""Which tables a transaction wrote and a page read, seen in the SQL the connection runs.

Every statement passes through `_noted` (a database execute wrapper, installed on each new
connection). A write to a table (INSERT INTO, UPDATE, DELETE FROM "table") moves that table's
version on once its transaction commits, in one statement after the commit; a transaction
that rolls back moves nothing. While a page is being recorded, every table its statements
read from (FROM or JOIN "table", subqueries included: Django quotes every table name) is noted.
Writes made outside Django (psql, a restore) are not seen: cached pages also expire after
PAGE_CACHE_SECONDS.
"""

import re

from django.db import connections

VERSION_TABLE = "page_cache_tableversion"
WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"(?P<table>[^"]+)"', re.I)
READ = re.compile(r'\b(?:FROM|JOIN)\s+"([^"]+)"', re.I)
# Signing in stamps last_login on the person; no page shows it, and counting it as a change
# to people would put every page naming a person out of date at each sign-in in the centre.
LAST_LOGIN_ONLY = re.compile(
    r'\s*UPDATE\s+"people_user"\s+SET\s+"last_login"\s*=\s*\S+\s+WHERE', re.I
)
BUMP = (
    f'INSERT INTO "{VERSION_TABLE}" ("name", "version") VALUES {{rows}} '
    f'ON CONFLICT ("name") DO UPDATE SET "version" = "{VERSION_TABLE}"."version" + 1'
)


def watch(sender, connection, **kwargs):
    connection.page_cache_ready = False  # a new connection may be to a database being built
    if _noted not in connection.execute_wrappers:
        connection.execute_wrappers.append(_noted)


def _noted(execute, sql, params, many, context):
    connection = context["connection"]
    written = WRITE.match(sql)
    if written and written["table"] != VERSION_TABLE and not LAST_LOGIN_ONLY.match(sql):
        result = execute(sql, params, many, context)
        _written(connection, written["table"])
        return result
    reads = getattr(connection, "page_cache_reads", None)
    if reads is not None:
        reads.update(READ.findall(sql))
    return execute(sql, params, many, context)


class _Bump:
    """The on-commit callback of one transaction: the tables it wrote, moved on once."""

    __qualname__ = "page_cache.tables._Bump"  # named in Django's log if it fails

    def __init__(self, connection):
        self.connection = connection
        self.tables = set()

    def __call__(self):
        bump(self.connection, self.tables)


def _in_test_case(connection):
    """Inside the transaction a test case wraps each test in, which never commits."""
    blocks = connection.atomic_blocks
    return bool(blocks) and getattr(blocks[0], "_from_testcase", False)


def _ready(connection):
    """Whether the versions' table exists yet (it does not while `migrate` builds a database,
    and nothing can have been cached from a database being built)."""
    if not getattr(connection, "page_cache_ready", False):
        connection.page_cache_ready = VERSION_TABLE in connection.introspection.table_names()
    return connection.page_cache_ready


def _written(connection, table):
    if not _ready(connection):
        return
    if not connection.in_atomic_block:
        bump(connection, {table})  # committed already
    elif _in_test_case(connection):
        # Counted now (the test's transaction never commits), undone with the write if its
        # savepoint is; once between two readings of the versions, as a commit would.
        # (Within one savepoint: one rolled back takes its bump with it, and its names are
        # never given out again.)
        moved = connection.__dict__.setdefault("page_cache_moved", set())
        where = (table, tuple(connection.savepoint_ids))
        if where not in moved:
            moved.add(where)
            bump(connection, {table})
    else:
        for entry in connection.run_on_commit:
            if isinstance(entry[1], _Bump):
                entry[1].tables.add(table)
                return
        callback = _Bump(connection)
        callback.tables.add(table)
        connection.on_commit(callback, robust=True)


def bump(connection, tables):
    """Move the tables' versions on, in one statement."""
    names = sorted(tables)
    with connection.cursor() as cursor:
        cursor.execute(BUMP.format(rows=", ".join(["(%s, 1)"] * len(names))), names)


def versions(using="default"):
    """{table: version} of every table written since the database was made."""
    connection = connections[using]
    connection.__dict__.pop("page_cache_moved", None)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "name", "version" FROM "{VERSION_TABLE}"')
        return dict(cursor.fetchall())


class reads_noted:
    """`with reads_noted() as tables:` collects the tables the statements inside read."""

    def __init__(self, using="default"):
        self.connection = connections[using]

    def __enter__(self):
        self.outer = getattr(self.connection, "page_cache_reads", None)
        self.tables = set()
        self.connection.page_cache_reads = self.tables
        return self.tables

    def __exit__(self, *exc):
        self.connection.page_cache_reads = self.outer
        if self.outer is not None:
            self.outer.update(self.tables)
        self.tables.discard(VERSION_TABLE)
