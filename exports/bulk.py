"""Set-based writes of the activity import and the export runs, in SQL the ORM does not write
for us: many rows' column changes in one statement, many rows inserted without model
instances. Tables and columns are named through the models' _meta, never literally.

PostgreSQL: one `UPDATE ... FROM (VALUES ...)` per chunk, `COPY ... FROM STDIN` for inserts
(psycopg 3's `cursor.copy`). SQLite (in process, no round trips): `executemany`.
"""
from django.db import connection

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
