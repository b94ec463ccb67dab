"""The set-based pipeline on PostgreSQL (issue 11): staging written with COPY, the preview's
plan and the load computed by SQL over staging and the ledger, instead of per-record Python.

The rules are those of ingest.classify (which SQLite keeps): an invoice is new, updated or
unchanged (values, account and detail lines compared); an updated invoice with payments is a
conflict; an account takes its customer fields from its last record, and its balance from its
last written invoice; adjustments apply in file order (2 sets the balance, any other type adds).

Every table and column is named through the models' _meta (db_table, field.column), never by
literal name, so that moving a model to another app changes nothing here. The statements run
inside the caller's transaction; temporary tables are dropped at its commit (or rollback).
"""
import contextlib
import json
import operator
from decimal import Decimal

import orjson
from django.db import connection
from psycopg.types.json import Jsonb

from billers.limits import largest
from ledger.models import Account, Invoice, InvoiceDetail
from ingest.classify import BALANCE_LIMIT_MESSAGE, NOT_FOUND_MESSAGE, PAID_MESSAGE
from ingest.mapping import AMOUNT, BOOLEAN, CUSTOMER_FIELDS, DATE, GUID, INTEGER, INVOICE_FIELDS, TEXT
from ingest.models import AdjustmentApplied, Load, RecordStatus, StagedRecord

EXAMPLES = 20   # the plan's balance examples (as ingest.planning)


def set_based():
    """The set-based statements need PostgreSQL; SQLite keeps ingest.classify's batches."""
    return connection.vendor == "postgresql"


def q(name):
    return connection.ops.quote_name(name)


def table(model):
    return q(model._meta.db_table)


def col(model, name):
    return q(model._meta.get_field(name).column)


# --- staging --------------------------------------------------------------------------------

STAGED_FIELDS = [f for f in StagedRecord._meta.concrete_fields if not f.primary_key]
JSON_COLUMNS = {f.attname for f in STAGED_FIELDS if f.get_internal_type() == "JSONField"}
PENDING = "icp_staging"


def begin_staging():
    """A fresh temporary table PENDING shaped as staging, for `StagingCopy`: the records wait
    there (no WAL, no index, no foreign-key check per row) until `plan_preview` writes them to
    staging once, with their actions (the plan no longer rewrites every staged row: that
    UPDATE was 69 of 357 s at 1,000,000 rows). Their ids come from staging's own sequence, in
    file order, as a direct write would give them."""
    (sequence,), = _fetch("SELECT pg_get_serial_sequence(%(table)s, %(column)s)",
                          {"table": table(StagedRecord), "column": StagedRecord._meta.pk.column})
    discard_staging()
    _execute(f"CREATE TEMPORARY TABLE {PENDING} (LIKE {table(StagedRecord)})")
    _execute(f"ALTER TABLE {PENDING} ALTER COLUMN {q(StagedRecord._meta.pk.column)} "
             f"SET DEFAULT nextval(%(sequence)s::regclass)", {"sequence": sequence})


def discard_staging():
    """Drop PENDING (a failed parse's records; the session's end drops it too)."""
    _execute(f"DROP TABLE IF EXISTS {PENDING}")


def _pending():
    """Whether this session has records staged by `StagingCopy` that wait in PENDING."""
    (exists,), = _fetch(f"SELECT to_regclass('pg_temp.{PENDING}') IS NOT NULL")
    return exists


class StagingCopy:
    """Write Staged records into PENDING with psycopg 3's `cursor.copy` (each value through
    its COPY escaping, the JSON columns as their JSON text, `json_text`, which PostgreSQL reads
    as jsonb), one COPY kept open across batches (`write` them, then `close`): the
    server reads and stores one batch while the parser reads the next, on the other core;
    a COPY per batch of 1,000 made the client wait at each batch's end for the server to
    finish it, and the server wait while the client parsed. Nothing else may use the
    connection while it is open: `close` it first (stage closes it before each progress
    write). A parse that fails ends the COPY as well (aborting it would abort the caller's
    transaction): its records wait in PENDING, which `unstage` drops."""

    def __init__(self):
        self._stack = None
        self._copy = None
        self.names = [f.attname for f in STAGED_FIELDS]
        self.json_at = [i for i, name in enumerate(self.names) if name in JSON_COLUMNS]
        self.values = operator.attrgetter(*self.names)   # a record's values, in the COPY's order

    def write(self, records):
        if not records:
            return
        if self._copy is None:
            columns = ", ".join(q(f.column) for f in STAGED_FIELDS)
            stack = contextlib.ExitStack()
            try:
                cursor = stack.enter_context(connection.cursor())
                self._copy = stack.enter_context(cursor.cursor.copy(f"COPY {PENDING} ({columns}) FROM STDIN"))
            except BaseException:
                stack.close()
                raise
            self._stack = stack
        values, json_at, write_row = self.values, self.json_at, self._copy.write_row
        for record in records:
            row = list(values(record))
            for i in json_at:
                row[i] = json_text(row[i])
            write_row(row)

    def close(self):
        """End the COPY: the server has stored every row written when it returns."""
        stack, self._stack, self._copy = self._stack, None, None
        if stack is not None:
            stack.close()


EMPTY_LIST = "[]"


def json_text(value):
    """The JSON text of a staged value (None stays NULL): orjson, about 8 times faster than
    json.dumps on a record (1 against 8.5 us); json.dumps for what orjson refuses (a key
    that is not a string, an integer beyond 64 bits), so every value is written as before."""
    if value is None:
        return None
    if not value and type(value) is list:
        return EMPTY_LIST
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


# --- typed values out of the staged JSON ----------------------------------------------------

PG_TYPES = {AMOUNT: "numeric", DATE: "date", INTEGER: "integer", GUID: "uuid", BOOLEAN: "boolean"}


def typed(json_text, kind):
    """SQL for ingest.mapping.convert: empty is NULL ('' for text), else cast to the kind."""
    if kind == TEXT:
        return f"COALESCE({json_text}, '')"
    if kind in PG_TYPES:
        return f"NULLIF({json_text}, '')::{PG_TYPES[kind]}"
    return f"NULLIF({json_text}, '')"


def _invoice_columns():
    """(model field name, SQL of its value from `iv`, the record's invoice part read once by
    jsonb_to_record) for every invoice field."""
    return [(field, typed(f'iv."{key}"', kind)) for key, (field, kind) in INVOICE_FIELDS.items()]


def _invoice_record():
    """The column list of jsonb_to_record over the invoice part: every key as text."""
    return ", ".join(f'"{key}" text' for key in INVOICE_FIELDS)


def _customer_columns():
    """(field, SQL from staged row `s` and the current account `a`): a key the record lacks
    keeps the account's value (a new account's default: '' or NULL)."""
    columns = []
    for key, (field, kind) in CUSTOMER_FIELDS.items():
        current = f"COALESCE(a.{col(Account, field)}, '')" if kind == TEXT else f"a.{col(Account, field)}"
        value = typed(f"s.customer->>'{key}'", kind)
        columns.append((field, f"CASE WHEN s.customer ? '{key}' THEN {value} ELSE {current} END"))
    return columns


DETAIL_VALUE_FIELDS = ["description"] + [f"custom_field{n}" for n in range(1, 10)]
DETAIL_KEYS = ["Description"] + [f"CustomField{n}" for n in range(1, 10)]


def _staged_details():
    """The record's detail lines as a JSON array of [Description, CustomField1..9] (as
    ingest.mapping.detail_rows)."""
    items = ", ".join(["COALESCE(e.d->>'Description', '')"] + [f"e.d->>'{key}'" for key in DETAIL_KEYS[1:]])
    return (f"COALESCE((SELECT jsonb_agg(jsonb_build_array({items}) ORDER BY e.n) FROM jsonb_array_elements("
            f"CASE WHEN jsonb_typeof(s.details) = 'array' THEN s.details ELSE '[]'::jsonb END"
            f") WITH ORDINALITY AS e(d, n)), '[]'::jsonb)")


def _stored_details(invoice_id):
    items = ", ".join(f"d.{col(InvoiceDetail, f)}" for f in DETAIL_VALUE_FIELDS)
    return (f"COALESCE((SELECT jsonb_agg(jsonb_build_array({items}) ORDER BY d.{col(InvoiceDetail, 'position')}) "
            f"FROM {table(InvoiceDetail)} d WHERE d.{col(InvoiceDetail, 'invoice')} = {invoice_id}), '[]'::jsonb)")


def _execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.rowcount


def _fetch(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.fetchall()


LEDGER_TABLES = {"invoice": (StagedRecord, Account, Invoice, InvoiceDetail), "adjustment": (StagedRecord, Account)}


def refresh_statistics(*models):
    """ANALYZE the tables whose planner statistics are missing or stale (autovacuum has not
    caught up with a big load yet): with them the joins of staging and the ledger are hash
    or index joins; without, PostgreSQL may nest a loop over 100,000 rows on each side.
    (ANALYZE holds its table's SHARE UPDATE EXCLUSIVE lock to the end of the transaction:
    the preview calls it before its transaction; inside run_load's it only delays another
    ANALYZE or VACUUM of the same table.)"""
    names = [model._meta.db_table for model in models]
    stale = _fetch("SELECT relid::regclass::text FROM pg_stat_user_tables WHERE relid = ANY(%(tables)s::regclass[]) "
                   "AND ((last_analyze IS NULL AND last_autoanalyze IS NULL) "
                   "OR n_mod_since_analyze > 1000 + n_live_tup / 5)", {"tables": [q(n) for n in names]})
    for (name,) in stale:
        _execute(f"ANALYZE {name}")


PLAN_WORK_MEM = "64MB"


def tune_transaction():
    """For the rest of the preview's or the load's transaction: no JIT (compiling the big
    statements' expressions took 1-5 s each, more than it saved on one file's rows) and a
    work_mem that keeps the plan's sorts, windows and hashes of 100,000 records in memory
    (the default 4 MB spills them to disk)."""
    _execute("SET LOCAL jit = off")
    _execute(f"SET LOCAL work_mem = '{PLAN_WORK_MEM}'")


def _ok_staged(load, staged=None):
    """FROM staging (or `staged`, a table of its shape: PENDING) WHERE the load's ok records."""
    return (f"{staged or table(StagedRecord)} s WHERE s.{col(StagedRecord, 'load')} = %(load)s "
            f"AND s.{col(StagedRecord, 'status')} = '{RecordStatus.OK}'")


# --- invoices: classification ---------------------------------------------------------------

INVOICE_PLAN = "icp_invoice_plan"
ACCOUNT_PLAN = "icp_account_plan"


def classify_invoices(load, lock=False, staged=None, preview=False):
    """Create the temporary table INVOICE_PLAN: one row per ok staged record with its typed
    values, the ledger's account and invoice, `invoice_action` and `conflict` (an updated
    invoice with payments). With `lock`, the ledger rows the file names are locked first.
    The load's plan (not `preview`) also says whether a record's detail lines differ from the
    stored invoice's (`details_changed`, true for a new invoice): the writes replace only those.
    `staged`: the table the records are read from (staging, or PENDING for the preview).

    `preview`: only what the preview's plan reads (`_preview_invoice_plan`): the same
    actions, conflicts and balances, without the invoice values and detail lines the load
    writes from the plan."""
    biller = load.biller_id
    params = {"load": load.pk, "biller": biller}
    s_acc, s_inv = f"s.{col(StagedRecord, 'account_number')}", f"s.{col(StagedRecord, 'invoice_number')}"
    if lock:
        for model, field, number in ((Account, "account_number", s_acc), (Invoice, "invoice_number", s_inv)):
            _execute(f"SELECT count(*) FROM (SELECT 1 FROM {table(model)} x WHERE x.{col(model, 'biller')} = "
                     f"%(biller)s AND x.{col(model, field)} IN (SELECT {number} FROM {_ok_staged(load)}) "
                     f"FOR UPDATE) locked", params)
    refresh_statistics(*LEDGER_TABLES["invoice"])
    _execute(f"DROP TABLE IF EXISTS {INVOICE_PLAN}")
    if preview:
        _execute(_preview_invoice_plan(load, staged), params)
        _execute(f"ANALYZE {INVOICE_PLAN} (account_number, seq, conflict)")
        return
    invoice_values = _invoice_columns()
    customer_values = _customer_columns()
    balance_due, total_due = "v_balance_due", "v_total_amount_due"
    _execute(f"""
        CREATE TEMPORARY TABLE {INVOICE_PLAN} ON COMMIT DROP AS
        WITH r AS (
            SELECT s.staged_id, s.seq, s.line, s.account_number, s.invoice_number,
                   a.{col(Account, 'id')} AS account_id, a.{col(Account, 'current_balance')} AS db_balance,
                   i.{col(Invoice, 'id')} AS invoice_id, i.{col(Invoice, 'amount_paid')} AS paid,
                   i.{col(Invoice, 'account')} AS invoice_account_id,
                   {", ".join(f"{sql} AS c_{field}" for field, sql in customer_values)},
                   {", ".join(f"a.{col(Account, field)} AS d_{field}" for field, _ in customer_values)},
                   {", ".join(f"{sql} AS v_{field}" for field, sql in invoice_values)},
                   {", ".join(f"i.{col(Invoice, field)} AS i_{field}" for field, _ in invoice_values)},
                   {_staged_details()} AS details
            FROM {_staged_invoices(load, staged)}
            CROSS JOIN LATERAL jsonb_to_record(s.invoice) AS iv({_invoice_record()})
            {_ledger_joins()}
            OFFSET 0   -- the detail lines' JSON built once per record
        ), rd AS (
            SELECT r.*, r.invoice_id IS NULL OR r.details IS DISTINCT FROM {_stored_details("r.invoice_id")}
                   AS details_changed
            FROM r OFFSET 0   -- the stored detail lines read once per record
        ), c AS (
            SELECT rd.*, {_invoice_action("invoice_id", [f"v_{field}" for field, _ in invoice_values],
                                         [f"i_{field}" for field, _ in invoice_values], "invoice_account_id",
                                         "account_id", "details_changed", "false")} AS invoice_action
            FROM rd
        )
        SELECT {", ".join(_kept_columns(customer_values, invoice_values))},
               {_conflict_and_balance(f"COALESCE({balance_due}, {total_due})")}
        FROM c""", params)
    _execute(f"ANALYZE {INVOICE_PLAN} (account_number, invoice_number, seq, conflict, invoice_action, invoice_id)")


def _kept_columns(customer_values, invoice_values):
    """The columns of `c` the plan keeps: what classify_accounts and the writes read. The stored
    invoice's values (i_*) and detail lines, read only to compute invoice_action, are left out:
    they made every plan row (and the account plan's sort over them, which spilled to disk at
    200,000 records) about twice as wide."""
    return (["staged_id", "seq", "line", "account_number", "invoice_number", "account_id", "db_balance", "invoice_id",
             "paid"] + [f"{prefix}_{field}" for prefix in ("c", "d") for field, _ in customer_values]
            + [f"v_{field}" for field, _ in invoice_values] + ["details", "details_changed", "invoice_action"])


def _staged_invoices(load, staged):
    """FROM-clause item `s`: the load's ok records of `staged`, each record's JSON parts read
    once (OFFSET 0: not flattened into the outer query)."""
    return f"""(
                SELECT s.{col(StagedRecord, 'id')} AS staged_id, s.{col(StagedRecord, 'seq')} AS seq,
                       s.{col(StagedRecord, 'line')} AS line, s.{col(StagedRecord, 'account_number')} AS account_number,
                       s.{col(StagedRecord, 'invoice_number')} AS invoice_number, s.data->'invoice' AS invoice,
                       s.data->'customer' AS customer, s.data->'details' AS details
                FROM {_ok_staged(load, staged)} OFFSET 0
            ) s"""


def _ledger_joins():
    """The biller's account (a) and invoice (i) of each staged record (s), when they exist."""
    return f"""LEFT JOIN {table(Account)} a ON a.{col(Account, 'biller')} = %(biller)s
                 AND a.{col(Account, 'account_number')} = s.account_number
            LEFT JOIN {table(Invoice)} i ON i.{col(Invoice, 'biller')} = %(biller)s
                 AND i.{col(Invoice, 'invoice_number')} = s.invoice_number"""


def _preview_invoice_plan(load, staged):
    """The preview's INVOICE_PLAN (classify_invoices' rules, the columns
    classify_preview_accounts, the conflicts and the counts read): a record's invoice values
    and detail lines are compared with the stored invoice's only when there is one (a new
    invoice's are not even read), the comparisons in the order that stops at the first
    difference, and nothing of them kept (the load classifies again, under lock, with its own
    values)."""
    customer_values = _customer_columns()
    values = [(field, typed(f"s.invoice->>'{key}'", kind)) for key, (field, kind) in INVOICE_FIELDS.items()]
    value_of = dict(values)
    invoice_id = f"i.{col(Invoice, 'id')}"
    fields = [field for field, _ in customer_values]
    return f"""
        CREATE TEMPORARY TABLE {INVOICE_PLAN} ON COMMIT DROP AS
        SELECT {", ".join(f"r.{name}" for name in PREVIEW_INVOICE_PLAN)}, {", ".join(f"r.c_{f}" for f in fields)},
               ({", ".join(f"r.c_{f}" for f in fields)}) IS DISTINCT FROM ({", ".join(f"r.d_{f}" for f in fields)})
                   AS differs_from_ledger,
               {_conflict_and_balance("balance_due")}
        FROM (
            SELECT s.staged_id, s.seq, s.line, s.account_number, s.invoice_number,
                   a.{col(Account, 'id')} AS account_id, a.{col(Account, 'current_balance')} AS db_balance,
                   {invoice_id} AS invoice_id, i.{col(Invoice, 'amount_paid')} AS paid,
                   {", ".join(f"{sql} AS c_{field}" for field, sql in customer_values)},
                   {", ".join(f"a.{col(Account, field)} AS d_{field}" for field, _ in customer_values)},
                   {_invoice_action(invoice_id, [sql for _, sql in values],
                                    [f"i.{col(Invoice, field)}" for field, _ in values], f"i.{col(Invoice, 'account')}",
                                    f"a.{col(Account, 'id')}", _staged_details(), _stored_details(invoice_id))}
                       AS invoice_action,
                   COALESCE({value_of['balance_due']}, {value_of['total_amount_due']}) AS balance_due
            FROM {_staged_invoices(load, staged)}
            {_ledger_joins()}
            OFFSET 0   -- invoice_action computed once per record
        ) r"""


# the preview's INVOICE_PLAN (besides the customer fields c_* and `differs_from_ledger`, whether
# they differ from the stored account's): what the conflicts and the preview's account plan read
PREVIEW_INVOICE_PLAN = ("staged_id", "seq", "line", "account_number", "invoice_number", "account_id", "db_balance",
                        "invoice_id", "paid", "invoice_action")


# the windows of both account plans over INVOICE_PLAN, per account in file order: `nth` (the
# record's place among its account's), `p_<field>` (the record before's customer fields) and
# `earlier_balances` (the balances the records before it set); PREVIOUS_BALANCE: the balance
# the account has before the record
ACCOUNT_WINDOW = "WINDOW acct AS (PARTITION BY account_number ORDER BY seq)"
PREVIOUS_BALANCE = "COALESCE(earlier_balances[cardinality(earlier_balances)], db_balance, 0)"


def _account_windows(fields):
    return (f"row_number() OVER acct AS nth, {', '.join(f'lag(c_{f}) OVER acct AS p_{f}' for f in fields)}, "
            "array_agg(balance_set) FILTER (WHERE balance_set IS NOT NULL) "
            "OVER (acct ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_balances")


def _account_action(fields_differ, previous_balance):
    """SQL, the rule of both account plans over a row of the windows: 'new' for the first
    record of an account the ledger lacks, 'updated' when its customer fields differ
    (`fields_differ`) or the balance it sets differs from `previous_balance`, else 'unchanged'."""
    return (f"CASE WHEN account_id IS NULL AND nth = 1 THEN 'new' "
            f"WHEN {fields_differ} OR (balance_set IS NOT NULL AND balance_set <> {previous_balance}) "
            f"THEN 'updated' ELSE 'unchanged' END")


def classify_preview_accounts():
    """The preview's ACCOUNT_PLAN: classify_accounts' `account_action` of each record without
    conflict, and its `invoice_action`, which is all the preview reads (its counts and the
    staged records' actions). Without the balance after each record, the account's last
    record (a second sort of the whole plan, by seq descending) and the stored account's
    fields, which the preview's INVOICE_PLAN compared already (`differs_from_ledger`: the
    first record of an account is compared with the ledger's, the others with the record
    before them)."""
    fields = [field for field, _ in CUSTOMER_FIELDS.values()]
    now = ", ".join(f"c_{f}" for f in fields)
    before = ", ".join(f"p_{f}" for f in fields)
    _execute(f"DROP TABLE IF EXISTS {ACCOUNT_PLAN}")
    _execute(f"""
        CREATE TEMPORARY TABLE {ACCOUNT_PLAN} ON COMMIT DROP AS
        SELECT staged_id, invoice_action,
               {_account_action(f"CASE WHEN nth = 1 THEN differs_from_ledger "
                                f"ELSE ({now}) IS DISTINCT FROM ({before}) END", PREVIOUS_BALANCE)} AS account_action
        FROM (
            SELECT t.staged_id, t.invoice_action, t.account_id, t.db_balance, t.balance_set, t.differs_from_ledger,
                   {", ".join(f"t.c_{f}" for f in fields)},
                   {_account_windows(fields)}
            FROM {INVOICE_PLAN} t WHERE NOT conflict
            {ACCOUNT_WINDOW}
        ) w""")
    _execute(f"ANALYZE {ACCOUNT_PLAN} (staged_id)")


def _invoice_action(invoice_id, values, stored, invoice_account, account_id, details, stored_details):
    """SQL, the rule of both plans: 'new' when the ledger has no invoice of that number,
    'updated' when the record's values (`values`, in the order of `stored`), its account or
    its detail lines differ from the stored invoice's, else 'unchanged'."""
    return (f"CASE WHEN {invoice_id} IS NULL THEN 'new' "
            f"WHEN ({', '.join(values)}) IS DISTINCT FROM ({', '.join(stored)}) "
            f"OR {invoice_account} IS DISTINCT FROM {account_id} "
            f"OR {details} IS DISTINCT FROM {stored_details} THEN 'updated' ELSE 'unchanged' END")


def _conflict_and_balance(balance_due):
    """SQL select items over a row with `invoice_action` and `paid`: `conflict` (an updated
    invoice with payments) and `balance_set` (the balance a written invoice sets)."""
    return (f"(invoice_action = 'updated' AND paid > 0) AS conflict, "
            f"CASE WHEN invoice_action <> 'unchanged' THEN {balance_due} END AS balance_set")


# what classify_accounts reads of INVOICE_PLAN (besides the customer fields): the sort of its
# windows carries these columns only, not the invoice values and detail lines (the writes of
# invoices and detail lines read those from INVOICE_PLAN); a sort of the whole plan spilled
# to disk at 200,000 records, and ACCOUNT_PLAN was a second copy of it
ACCOUNT_PLAN_INPUT = ("staged_id", "seq", "account_number", "invoice_number", "invoice_id", "invoice_action",
                      "account_id", "db_balance", "balance_set")


def classify_accounts():
    """Create ACCOUNT_PLAN from INVOICE_PLAN's records without conflict: each record's
    `account_action` (new for the first record of an account the ledger lacks; updated when
    its fields or balance differ from the state the records before it left), the balance
    after it, and `last` for the record whose values the account ends with."""
    fields = [field for field, _ in CUSTOMER_FIELDS.values()]
    before = ", ".join(f"CASE WHEN nth = 1 THEN d_{f} ELSE p_{f} END" for f in fields)
    now = ", ".join(f"c_{f}" for f in fields)
    _execute(f"DROP TABLE IF EXISTS {ACCOUNT_PLAN}")
    _execute(f"""
        CREATE TEMPORARY TABLE {ACCOUNT_PLAN} ON COMMIT DROP AS
        WITH w AS (
            SELECT {", ".join(f"t.{name}" for name in ACCOUNT_PLAN_INPUT)}, {", ".join(f"t.c_{f}, t.d_{f}" for f in fields)},
                   row_number() OVER (PARTITION BY account_number ORDER BY seq DESC) = 1 AS last,
                   {_account_windows(fields)}
            FROM {INVOICE_PLAN} t WHERE NOT conflict
            {ACCOUNT_WINDOW}
        ), b AS (
            SELECT w.*, {PREVIOUS_BALANCE} AS previous_balance
            FROM w
        )
        SELECT b.*, COALESCE(balance_set, previous_balance) AS balance_after,
               {_account_action(f"({now}) IS DISTINCT FROM ({before})", "previous_balance")} AS account_action
        FROM b""")
    _execute(f"ANALYZE {ACCOUNT_PLAN} (staged_id, account_number, invoice_number, invoice_id, invoice_action, last)")


def _invoice_conflicts():
    return [(staged_id, line, "InvoiceNumber", PAID_MESSAGE.format(number=number, paid=paid))
            for staged_id, line, number, paid in _fetch(
                f"SELECT staged_id, line, invoice_number, paid FROM {INVOICE_PLAN} WHERE conflict ORDER BY seq")]


def _invoice_totals():
    counts = {"accounts": dict.fromkeys(("new", "updated", "unchanged"), 0),
              "invoices": dict.fromkeys(("new", "updated", "unchanged"), 0)}
    for action, invoice_action, n in _fetch(
            f"SELECT account_action, invoice_action, count(*) FROM {ACCOUNT_PLAN} GROUP BY 1, 2"):
        counts["accounts"][action] += n
        counts["invoices"][invoice_action] += n
    return counts


# --- adjustments: classification ------------------------------------------------------------

ADJUSTMENT_PLAN = "icp_adjustment_plan"


def classify_adjustments(load, lock=False, staged=None):
    """Create ADJUSTMENT_PLAN: each ok adjustment with the balance before and after it, in
    file order per account (type 2 sets the balance, another type adds to it), and its
    conflict: the account is not found, or the balance would not fit its columns. `staged`
    as for classify_invoices."""
    params = {"load": load.pk, "biller": load.biller_id}
    s_acc = f"s.{col(StagedRecord, 'account_number')}"
    if lock:
        _execute(f"SELECT count(*) FROM (SELECT 1 FROM {table(Account)} x WHERE x.{col(Account, 'biller')} = "
                 f"%(biller)s AND x.{col(Account, 'account_number')} IN (SELECT {s_acc} FROM {_ok_staged(load)}) "
                 f"FOR UPDATE) locked", params)
    refresh_statistics(*LEDGER_TABLES["adjustment"])
    limit_balance = min(largest(Account, "current_balance"), largest(AdjustmentApplied, "new_balance"))
    params.update(limit_balance=limit_balance, limit_difference=largest(AdjustmentApplied, "difference"))
    _execute(f"DROP TABLE IF EXISTS {ADJUSTMENT_PLAN}")
    _execute(f"""
        CREATE TEMPORARY TABLE {ADJUSTMENT_PLAN} ON COMMIT DROP AS
        WITH r AS (
            SELECT s.{col(StagedRecord, 'id')} AS staged_id, s.{col(StagedRecord, 'seq')} AS seq,
                   s.{col(StagedRecord, 'line')} AS line, {s_acc} AS account_number,
                   s.{col(StagedRecord, 'amount')} AS staged_amount,
                   a.{col(Account, 'id')} AS account_id, a.{col(Account, 'current_balance')} AS db_balance,
                   (s.data->'adjustment'->>'AdjustmentAmount')::numeric AS amount,
                   (s.data->'adjustment'->>'AdjustmentTypeID')::integer AS type_id
            FROM {staged or table(StagedRecord)} s
            LEFT JOIN {table(Account)} a ON a.{col(Account, 'biller')} = %(biller)s
                 AND a.{col(Account, 'account_number')} = {s_acc}
            WHERE s.{col(StagedRecord, 'load')} = %(load)s AND s.{col(StagedRecord, 'status')} = '{RecordStatus.OK}'
        ), g AS (
            SELECT r.*, count(*) FILTER (WHERE type_id = 2) OVER (PARTITION BY account_id ORDER BY seq) AS grp
            FROM r
        ), n AS (
            SELECT g.*, CASE WHEN grp = 0 THEN db_balance ELSE first_value(amount) OVER v END
                        + sum(CASE WHEN type_id = 2 THEN 0 ELSE amount END) OVER v AS new_balance
            FROM g WINDOW v AS (PARTITION BY account_id, grp ORDER BY seq)
        ), p AS (
            SELECT n.*, COALESCE(lag(new_balance) OVER (PARTITION BY account_id ORDER BY seq), db_balance)
                        AS previous_balance
            FROM n
        )
        SELECT p.*, CASE WHEN account_id IS NULL THEN 'not_found'
                         WHEN abs(new_balance) > %(limit_balance)s
                              OR abs(new_balance - previous_balance) > %(limit_difference)s THEN 'limit'
                    END AS conflict,
               row_number() OVER (PARTITION BY account_id ORDER BY seq DESC) = 1 AS last
        FROM p""", params)
    _execute(f"ANALYZE {ADJUSTMENT_PLAN}")


def _adjustment_conflicts():
    limit = f"{largest(Account, 'current_balance'):.2f}"
    conflicts = []
    for staged_id, line, number, new, conflict in _fetch(
            f"SELECT staged_id, line, account_number, new_balance, conflict FROM {ADJUSTMENT_PLAN} "
            f"WHERE conflict IS NOT NULL ORDER BY seq"):
        if conflict == "not_found":
            conflicts.append((staged_id, line, "AccountNumber", NOT_FOUND_MESSAGE.format(number=number)))
        else:
            conflicts.append((staged_id, line, "AdjustmentAmount",
                              BALANCE_LIMIT_MESSAGE.format(new=f"{new:.2f}", limit=limit)))
    return conflicts


def _adjustment_totals():
    accounts = dict.fromkeys(("new", "updated", "unchanged"), 0)
    changed, difference = 0, Decimal("0.00")
    for is_changed, n, total in _fetch(
            f"SELECT new_balance <> previous_balance, count(*), sum(new_balance - previous_balance) "
            f"FROM {ADJUSTMENT_PLAN} WHERE conflict IS NULL GROUP BY 1"):
        accounts["updated" if is_changed else "unchanged"] += n
        if is_changed:
            changed, difference = n, total
    examples = [{"line": line, "account": number, "previous": f"{previous:.2f}", "new": f"{new:.2f}",
                 "difference": f"{new - previous:.2f}"}
                for line, number, previous, new in _fetch(
                    f"SELECT line, account_number, previous_balance, new_balance FROM {ADJUSTMENT_PLAN} "
                    f"WHERE conflict IS NULL AND new_balance <> previous_balance ORDER BY seq LIMIT {EXAMPLES}")]
    return {"accounts": accounts, "balances": {"changed": changed, "total_difference": f"{difference:.2f}",
                                               "examples": examples}}


# --- the preview ----------------------------------------------------------------------------

def plan_preview(load, error_fields):
    """Classify the load's staged ok records against the ledger (nothing written to it):
    conflicts become error records (and `error_fields` entries), every other record gets its
    actions. Records that wait in PENDING (`StagingCopy`) are then written to staging once,
    with their actions; records already in staging get them by an UPDATE. Returns the plan's
    counts. Runs in the caller's transaction."""
    tune_transaction()
    staged = PENDING if _pending() else table(StagedRecord)
    if staged == PENDING:
        # autovacuum never sees a temporary table; the columns the plan filters and joins on
        _execute(f"ANALYZE {PENDING} ({', '.join(col(StagedRecord, name) for name in PENDING_STATISTICS)})")
    if load.file_format.kind == "invoice":
        classify_invoices(load, staged=staged, preview=True)
        conflicts = _invoice_conflicts()
        classify_preview_accounts()
        counts = _invoice_totals()
    else:
        classify_adjustments(load, staged=staged)
        conflicts = _adjustment_conflicts()
        counts = _adjustment_totals()
    _mark_conflicts(conflicts, error_fields, staged)
    if staged == PENDING:
        _publish(load, _actions(load.file_format.kind))
    else:
        _set_actions(_actions(load.file_format.kind))
    return {**counts, "conflicts": len(conflicts)}


PENDING_STATISTICS = ("id", "load", "status", "account_number", "invoice_number")


def _actions(kind):
    """SQL: the plan's (staged_id, account_action, invoice_action, balance) of every record
    without conflict."""
    if kind == "invoice":
        return f"SELECT staged_id, account_action, invoice_action, NULL::jsonb AS balance FROM {ACCOUNT_PLAN}"
    return f"""SELECT staged_id, CASE WHEN new_balance <> previous_balance THEN 'updated' ELSE 'unchanged' END
                   AS account_action, '' AS invoice_action,
               jsonb_build_object('previous', round(previous_balance, 2)::text, 'new', round(new_balance, 2)::text,
                                  'difference', round(new_balance - previous_balance, 2)::text) AS balance
               FROM {ADJUSTMENT_PLAN} WHERE conflict IS NULL"""


ACTION_COLUMNS = ("account_action", "invoice_action", "balance")


def _set_actions(actions):
    """Write the actions onto records already in staging (staged by other means than stage())."""
    _execute(f"UPDATE {table(StagedRecord)} s SET "
             f"{', '.join(f'{col(StagedRecord, name)} = {_action(name)}' for name in ACTION_COLUMNS)} "
             f"FROM ({actions}) t WHERE s.{col(StagedRecord, 'id')} = t.staged_id")


def _action(name):
    """SQL: the plan's value of an action column (t) where it has one, else the record's (s)."""
    return f"COALESCE(t.{name}, s.{col(StagedRecord, name)})"


def _publish(load, actions):
    """Insert the load's records from PENDING into staging, each with its actions (a record
    without: a conflict, an error or a skipped record, keeps its own), then drop PENDING."""
    _lock_load_row(load)
    columns = [StagedRecord._meta.pk] + STAGED_FIELDS
    values = [_action(f.attname) if f.attname in ACTION_COLUMNS else f"s.{q(f.column)}" for f in columns]
    _execute(f"INSERT INTO {table(StagedRecord)} ({', '.join(q(f.column) for f in columns)}) "
             f"SELECT {', '.join(values)} FROM {PENDING} s LEFT JOIN ({actions}) t ON t.staged_id = s.{q(columns[0].column)} "
             f"WHERE s.{col(StagedRecord, 'load')} = %(load)s", {"load": load.pk})
    discard_staging()


def _lock_load_row(load):
    """The load's row locked FOR KEY SHARE to the end of the transaction (it cannot be deleted
    under the records being written), as the foreign-key check of every staged record did
    before staging had no such constraint (StagedRecord.load); a load deleted meanwhile
    raises Load.DoesNotExist, and nothing is written."""
    if not _fetch(f"SELECT 1 FROM {table(Load)} WHERE {q(Load._meta.pk.column)} = %(load)s FOR KEY SHARE",
                  {"load": load.pk}):
        raise Load.DoesNotExist(f"load {load.pk} no longer exists; its records were not staged")


def _mark_conflicts(conflicts, error_fields, staged=None):
    """Conflicting records become errors, their message appended to the record's errors."""
    if not conflicts:
        return
    for _staged_id, line, field, message in conflicts:
        error_fields.add(field, line, message)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {staged or table(StagedRecord)} SET {col(StagedRecord, 'status')} = %s, "
            f"{col(StagedRecord, 'errors')} = {col(StagedRecord, 'errors')} || %s, "
            f"{col(StagedRecord, 'account_action')} = '', {col(StagedRecord, 'invoice_action')} = '', "
            f"{col(StagedRecord, 'balance')} = NULL WHERE {col(StagedRecord, 'id')} = %s",
            [(RecordStatus.ERROR, Jsonb([{"field": field, "message": message}]), staged_id)
             for staged_id, _line, field, message in conflicts])


# --- the load -------------------------------------------------------------------------------

class Conflicts(Exception):
    def __init__(self, conflicts):
        super().__init__(f"{len(conflicts)} conflicts")
        self.conflicts = conflicts   # (staged id, line, field, message)


def load_steps(load, now):
    """Classify the load's ok records under lock (raising Conflicts when the ledger changed
    since the preview), then return the set-based writes as a list of callables, to be run in
    order in the load's transaction, and the plan's counts."""
    tune_transaction()
    if load.file_format.kind == "invoice":
        classify_invoices(load, lock=True)
        conflicts = _invoice_conflicts()
        if conflicts:
            raise Conflicts(conflicts)
        classify_accounts()
        params = {"load": load.pk, "biller": load.biller_id, "now": now}
        steps = [lambda: write_accounts(params), lambda: write_invoices(params), lambda: write_details(params)]
        return steps, _invoice_totals()
    classify_adjustments(load, lock=True)
    conflicts = _adjustment_conflicts()
    if conflicts:
        raise Conflicts(conflicts)
    params = {"load": load.pk, "now": now}
    return [lambda: write_balances(params), lambda: write_adjustments(params)], _adjustment_totals()


def write_accounts(params):
    """Update the changed accounts (an account's last record gives its fields, its balance the
    last written invoice's): an UPDATE of each by its id, which classify_invoices read under
    lock; unchanged accounts are not written. Then insert the new accounts (INSERT ... ON
    CONFLICT as before). Returns the number of accounts written."""
    fields = [field for field, _ in CUSTOMER_FIELDS.values()] + ["current_balance"]
    plan = [f"c_{f}" for f in fields[:-1]] + ["balance_after"]
    # the plan's values as the columns store them (as EXCLUDED's were): a balance rounded to its scale
    stored = [f"t.{value}::{Account._meta.get_field(f).db_type(connection)}"
              if Account._meta.get_field(f).get_internal_type() == "DecimalField" else f"t.{value}"
              for f, value in zip(fields, plan)]
    columns = [col(Account, f) for f in fields]
    updated = columns + [col(Account, "updated_at")]
    changed = _execute(f"""
        UPDATE {table(Account)} a
        SET {", ".join(f"{c} = t.{value}" for c, value in zip(columns, plan))}, {col(Account, 'updated_at')} = %(now)s
        FROM {ACCOUNT_PLAN} t
        WHERE t.last AND t.account_id IS NOT NULL AND a.{col(Account, 'id')} = t.account_id
          AND ({", ".join(f"a.{c}" for c in columns)}) IS DISTINCT FROM ({", ".join(stored)})""", params)
    return changed + _execute(f"""
        INSERT INTO {table(Account)} AS a ({col(Account, 'biller')}, {col(Account, 'account_number')},
               {", ".join(columns)}, {col(Account, 'created_at')}, {col(Account, 'updated_at')})
        SELECT %(biller)s, account_number, {", ".join(plan)}, %(now)s, %(now)s
        FROM {ACCOUNT_PLAN} WHERE last AND account_id IS NULL
        ON CONFLICT ({col(Account, 'biller')}, {col(Account, 'account_number')}) DO UPDATE
        SET {", ".join(f"{c} = EXCLUDED.{c}" for c in updated)}
        WHERE ({", ".join(f"a.{c}" for c in columns)})
              IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in columns)})
    """, params)


def _ledger_row(model, key, alias):
    """JOIN of the plan `t` to the biller's row of `model` with t's `key` (the unique key): the
    ids of the rows the load has just written, without writing them back into the plan (an
    UPDATE of the plan rewrote every one of its wide rows)."""
    return (f"JOIN {table(model)} {alias} ON {alias}.{col(model, 'biller')} = %(biller)s "
            f"AND {alias}.{col(model, key)} = t.{key}")


INVOICE_VALUE_FIELDS = [field for field, _ in INVOICE_FIELDS.values()]
INVOICE_WRITTEN = ["biller", "account", "invoice_number", "guid", *INVOICE_VALUE_FIELDS, "amount_paid", "written_by_load",
                   "created_at", "updated_at"]


def write_invoices(params):
    """Replace the updated invoices (an UPDATE of each by its id, which classify_invoices read
    under lock), then insert the new ones in file order (their ids follow it); never an
    unchanged one. Returns the number of invoices written."""
    values = [col(Invoice, f) for f in INVOICE_VALUE_FIELDS]
    updated = values + [col(Invoice, f) for f in ("account", "written_by_load", "updated_at")]
    replaced = _execute(f"""
        UPDATE {table(Invoice)} i
        SET {", ".join(f"{c} = x.{c}" for c in updated)}
        FROM (SELECT t.invoice_id, {", ".join(f"t.v_{f} AS {c}" for f, c in zip(INVOICE_VALUE_FIELDS, values))},
                     a.{col(Account, 'id')} AS {col(Invoice, 'account')}, %(load)s::bigint AS {col(Invoice, 'written_by_load')},
                     %(now)s::timestamptz AS {col(Invoice, 'updated_at')}
              FROM {INVOICE_PLAN} t {_ledger_row(Account, "account_number", "a")}
              WHERE t.invoice_action = 'updated' AND NOT t.conflict) x
        WHERE i.{col(Invoice, 'id')} = x.invoice_id""", params)
    return replaced + _execute(f"""
        INSERT INTO {table(Invoice)} AS i ({", ".join(col(Invoice, f) for f in INVOICE_WRITTEN)})
        SELECT %(biller)s, a.{col(Account, 'id')}, t.invoice_number, gen_random_uuid(),
               {", ".join(f"t.v_{f}" for f in INVOICE_VALUE_FIELDS)}, 0, %(load)s, %(now)s, %(now)s
        FROM {INVOICE_PLAN} t {_ledger_row(Account, "account_number", "a")}
        WHERE t.invoice_action = 'new' AND NOT t.conflict
        ORDER BY t.seq
        ON CONFLICT ({col(Invoice, 'biller')}, {col(Invoice, 'invoice_number')}) DO UPDATE
        SET {", ".join(f"{c} = EXCLUDED.{c}" for c in updated)}
    """, params)


def write_details(params):
    """Write the detail lines of the new invoices, and replace those of the updated invoices
    whose lines differ from the stored ones (`details_changed`): an invoice updated for its
    values or account alone keeps its detail rows, which already equal the file's."""
    detail_invoice = col(InvoiceDetail, "invoice")
    _execute(f"""
        DELETE FROM {table(InvoiceDetail)} d USING {INVOICE_PLAN} t
        WHERE t.invoice_action = 'updated' AND t.details_changed AND NOT t.conflict
          AND d.{detail_invoice} = t.invoice_id""", params)
    columns = ", ".join(col(InvoiceDetail, f) for f in DETAIL_VALUE_FIELDS)
    return _execute(f"""
        INSERT INTO {table(InvoiceDetail)} ({detail_invoice}, {col(InvoiceDetail, 'position')}, {columns})
        SELECT i.{col(Invoice, 'id')}, e.n, {", ".join(f"e.d->>{n}" for n in range(len(DETAIL_VALUE_FIELDS)))}
        FROM {INVOICE_PLAN} t {_ledger_row(Invoice, "invoice_number", "i")}
        CROSS JOIN LATERAL jsonb_array_elements(t.details) WITH ORDINALITY AS e(d, n)
        WHERE t.invoice_action <> 'unchanged' AND t.details_changed AND NOT t.conflict
        ORDER BY t.seq, e.n""", params)


def write_balances(params):
    """Set each adjusted account's balance to the one its last adjustment leaves."""
    return _execute(f"""
        UPDATE {table(Account)} a SET {col(Account, 'current_balance')} = t.new_balance,
               {col(Account, 'updated_at')} = %(now)s
        FROM {ADJUSTMENT_PLAN} t
        WHERE t.last AND a.{col(Account, 'id')} = t.account_id
          AND a.{col(Account, 'current_balance')} <> t.new_balance""", params)


def write_adjustments(params):
    """One AdjustmentApplied per adjustment (previous, new, difference), in file order."""
    fields = ["load", "record", "account", "line", "adjustment_type_id", "amount", "previous_balance",
              "new_balance", "difference", "applied_at"]
    return _execute(f"""
        INSERT INTO {table(AdjustmentApplied)} ({", ".join(col(AdjustmentApplied, f) for f in fields)})
        SELECT %(load)s, staged_id, account_id, line, type_id, staged_amount, previous_balance, new_balance,
               new_balance - previous_balance, %(now)s
        FROM {ADJUSTMENT_PLAN} ORDER BY seq""", params)
