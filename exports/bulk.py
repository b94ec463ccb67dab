"""Set-based writes of the activity import and the export runs, in SQL the ORM does not write
for us: many rows' column changes in one statement, many rows inserted without model
instances. Tables and columns are named through the models' _meta, never literally.

PostgreSQL: one `UPDATE ... FROM (VALUES ...)` per chunk, `COPY ... FROM STDIN` for inserts
(psycopg 3's `cursor.copy`), selections read in binary through psycopg's C loaders (`fetch_rows`).
SQLite (in process, no round trips): `executemany`, Django's own iterator.
"""
import contextlib
import threading

import psycopg
import psycopg.sql
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models.query import ValuesListIterable

CHUNK = 1_000


def _chunks(rows, size=CHUNK):
    rows = list(rows)
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def add_to_column(model, attr, keys, rows):
    """Add an amount to `attr` of the rows matched by `keys` (field names): `rows` are tuples
    (key values..., amount), one per distinct key (a key given twice would be added once on
    PostgreSQL). Rows matching no key are left alone."""
    meta = model._meta
    table, qn = meta.db_table, connection.ops.quote_name
    target = meta.get_field(attr)
    key_fields = [meta.get_field(key) for key in keys]
    column = qn(target.column)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            where = " AND ".join(f"{qn(f.column)} = %s" for f in key_fields)
            cursor.executemany(f"UPDATE {qn(table)} SET {column} = {column} + %s WHERE {where}",
                               [(row[-1], *row[:-1]) for row in rows])
            return
        names = [f"k{index}" for index in range(len(key_fields))] + ["amount"]
        casts = [f.db_type(connection) for f in key_fields] + [target.db_type(connection)]
        values = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
        where = " AND ".join(f"t.{qn(f.column)} = v.k{index}" for index, f in enumerate(key_fields))
        for chunk in _chunks(rows):
            cursor.execute(f"UPDATE {qn(table)} AS t SET {column} = t.{column} + v.amount "
                           f"FROM (VALUES {', '.join([values] * len(chunk))}) AS v({', '.join(names)}) "
                           f"WHERE {where}", [value for row in chunk for value in row])


def insert_rows(model, attrs, rows):
    """Insert `rows` (tuples of plain values in the order of `attrs`, field names) without
    model instances, defaults or signals: for rows whose every column is given."""
    meta = model._meta
    qn = connection.ops.quote_name
    columns = ", ".join(qn(meta.get_field(attr).column) for attr in attrs)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        cursor.executemany(f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(attrs))})",
                           list(rows))


@contextlib.contextmanager
def inserting(model, attrs, rows):
    """`insert_rows(model, attrs, rows)` while the block runs: the rows are in the table when
    the block ends, and on PostgreSQL their foreign keys checked too (an error of either is
    raised then, where `insert_rows` and the commit would have raised it).

    On PostgreSQL the rows go by `COPY` from a second thread, on the same connection (the same
    transaction), with the table's deferrable foreign keys made immediate for that statement
    (`SET CONSTRAINTS ... IMMEDIATE`, then DEFERRED again as Django declares them): the server
    inserts and checks (one index look-up and row lock a key and row, the larger half of an
    export run's server time) while this thread goes on with its block (an export run: writing
    its files), and the commit has nothing left to check. The thread waits on the socket
    without the GIL; the block must not use the connection (it would wait for the insert: a
    psycopg connection serves one statement at a time). The block's error, if any, wins; the
    insert is waited for either way, so the transaction is never rolled back under it.
    Elsewhere (SQLite: in process, nothing to overlap) the rows are inserted before the block."""
    if connection.vendor != "postgresql":
        insert_rows(model, attrs, rows)
        yield
        return
    rows = list(rows)  # made here: the thread only sends them
    meta, qn = model._meta, connection.ops.quote_name
    table = qn(meta.db_table)
    copy = f"COPY {table} ({', '.join(qn(meta.get_field(attr).column) for attr in attrs)}) FROM STDIN"
    connection.ensure_connection()
    raw, failure = connection.connection, []

    def insert():
        try:
            with psycopg.Cursor(raw) as cursor:
                _copy_checked(cursor, table, copy, rows)
        except BaseException as exc:  # raised in the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=insert, name=f"insert {meta.db_table}")
    worker.start()
    try:
        yield
    finally:
        worker.join()
    if failure:
        with connection.wrap_database_errors:
            raise failure[0]


def _copy_checked(cursor, table, copy_sql, rows):
    """`rows` copied into `table` (quoted) by `copy_sql` on psycopg's own cursor, the table's
    foreign keys checked by the statement itself: its keys checked at commit (deferrable,
    initially deferred: Django's) are made IMMEDIATE for the `COPY`, then DEFERRED again."""
    cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
                   "AND condeferrable AND condeferred ORDER BY conname", [table])
    keys = ", ".join(psycopg.sql.Identifier(name).as_string(cursor) for name, in cursor.fetchall())
    if keys:
        cursor.execute(f"SET CONSTRAINTS {keys} IMMEDIATE")
    with cursor.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(row)
    if keys:
        cursor.execute(f"SET CONSTRAINTS {keys} DEFERRED")


def fetch_rows(queryset, chunk_size):
    """The rows of a `values_list` queryset (tuples), streamed `chunk_size` at a time.

    On PostgreSQL the query Django compiles is streamed in binary (psycopg's `stream`, libpq's
    chunked rows), so psycopg's C loaders build the values: Django's text timestamptz loader
    is a Python subclass of psycopg's Python loader (about half of an export run's fetch went
    into it). And no server-side cursor: PostgreSQL plans a cursor for its first tenth of rows
    (`cursor_tuple_fraction`), nested loops over every row here, several times slower than
    the hash joins it plans for a query read whole. The values are the same: for fields
    without a converter (`from_db_value`, backend converters) Django hands psycopg's values
    through as they are; a queryset with one, or with extra or annotated columns, is read by
    Django's iterator as before."""
    compiled = _binary_readable(queryset)
    if compiled is None:
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    db, sql, params = compiled
    size = chunk_size if psycopg.capabilities.has_stream_chunked() else 1  # chunks: libpq 17 or later
    db.ensure_connection()
    # psycopg's own cursor on Django's connection (same transaction): Django's cursors bind
    # parameters client-side, which rules binary results out
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        yield from cursor.stream(sql, params, binary=True, size=size)


def _binary_readable(queryset):
    """(connection, sql, params) of a `values_list` queryset whose values psycopg's loaders
    give as Django's iterator would (PostgreSQL; plain tuples, not flat or named; no column
    with a converter, no extra or annotated column; not empty by construction); None for
    any other."""
    db = connections[queryset.db]
    if (db.vendor != "postgresql" or queryset._iterable_class is not ValuesListIterable
            or queryset.query.extra_select or queryset.query.annotation_select):
        return None
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # e.g. pk__in=[]: Django's iterator answers without a query
        return None
    if compiler.get_converters([expression for expression, _, _ in compiler.select]):
        return None
    return db, sql, params
