"""Whole-file results computed once by the parse task and stored on the load: what the load
will change (with preview-time errors such as "account not found"), the per-status counts,
and the comparison with the biller's previous loaded load of the same format.
"""
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Sum, Window
from django.utils import timezone

from ingest.classify import classifier_for
from ingest.models import Load, LoadStatus, RecordStatus, StagedRecord
from ingest.setbased import LEDGER_TABLES, plan_preview, refresh_statistics, set_based

EXAMPLES = 20


class PlanTotals:
    def __init__(self, kind):
        self.kind = kind
        self.counts = Counter()
        self.conflicts = 0
        self.difference = Decimal("0.00")
        self.balance_examples = []

    def add(self, batch):
        self.conflicts += len(batch.conflicts)
        conflicted = {id(c.record) for c in batch.conflicts}
        for record in batch.records:
            if id(record) in conflicted:
                continue
            self.counts["accounts", record.account_action] += 1
            if record.invoice_action:
                self.counts["invoices", record.invoice_action] += 1
        for record, account, previous, new in batch.adjustments:
            if new != previous:
                self.counts["balances", "changed"] += 1
                self.difference += new - previous
                if len(self.balance_examples) < EXAMPLES:
                    self.balance_examples.append({"line": record.line, "account": record.account_number,
                                                  **record.balance})

    def as_json(self, stage):
        plan = {"stage": stage, "at": timezone.now().isoformat(), "kind": self.kind,
                "accounts": {a: self.counts["accounts", a] for a in ("new", "updated", "unchanged")},
                "conflicts": self.conflicts}
        if self.kind == "invoice":
            plan["invoices"] = {a: self.counts["invoices", a] for a in ("new", "updated", "unchanged")}
        else:
            plan["balances"] = {"changed": self.counts["balances", "changed"],
                                "total_difference": f"{self.difference:.2f}",
                                "examples": self.balance_examples}
        return plan


class Planner:
    """Classifies the staged ok records against the ledger (nothing is written to it):
    conflicts with the database ("account not found", an invoice with payments) become
    error records, and the records' actions are counted into the load's plan.

    PostgreSQL: `finish()` classifies the whole load in SQL once it is staged
    (ingest.setbased). SQLite: `plan(batch)` classifies each batch before it is written."""

    def __init__(self, load, error_fields):
        self.load = load
        self.set_based = set_based()
        self.classifier = None if self.set_based else classifier_for(load)
        self.totals = PlanTotals(load.file_format.kind)
        self.error_fields = error_fields
        # SQLite: summed here, exact (SQLite sums decimals as floats); PostgreSQL: None, the
        # database's exact sum is read with the counts (status_counts)
        self.ok_total = None if self.set_based else Decimal("0.00")
        self.counts = None

    def plan(self, staged):
        if self.set_based:
            return
        records = [r for r in staged if r.status == RecordStatus.OK]
        if not records:
            return
        batch = self.classifier.classify(records)
        for conflict in batch.conflicts:
            record = conflict.record
            record.status = RecordStatus.ERROR
            record.errors = list(record.errors) + [{"field": conflict.field, "message": conflict.message}]
            record.account_action = record.invoice_action = ""
            record.balance = None
            self.error_fields.add(conflict.field, record.line, conflict.message)
        self.totals.add(batch)
        self.ok_total += sum((r.amount for r in records if r.status == RecordStatus.OK and r.amount is not None),
                             Decimal("0.00"))

    def finish(self):
        """After staging: the set-based plan (PostgreSQL), in one transaction; then the
        statistics of staging, which the plan has just filled (the counts that follow, and
        the load, read it)."""
        if self.set_based:
            refresh_statistics(*LEDGER_TABLES[self.load.file_format.kind])
            with transaction.atomic():
                self.counts = plan_preview(self.load, self.error_fields)
            refresh_statistics(StagedRecord)

    def as_json(self):
        if self.counts is not None:
            return plan_json("preview", self.load.file_format.kind, self.counts)
        return self.totals.as_json("preview")


def plan_json(stage, kind, counts):
    """The plan JSON (as PlanTotals.as_json) from the set-based counts."""
    plan = {"stage": stage, "at": timezone.now().isoformat(), "kind": kind, "accounts": counts["accounts"],
            "conflicts": counts.get("conflicts", 0)}
    if kind == "invoice":
        plan["invoices"] = counts["invoices"]
    else:
        plan["balances"] = counts["balances"]
    return plan


def status_counts(load, ok_total):
    """Per-status counts and the ok records' total in one grouped query (for the load's
    fields); `ok_total`, when the planner summed it (SQLite), instead of the database's."""
    grouped = {row["status"]: row for row in load.records.values("status").annotate(n=Count("id"), total=Sum("amount"))}
    rows = {status: row["n"] for status, row in grouped.items()}
    if ok_total is None:
        ok_total = grouped.get(RecordStatus.OK, {}).get("total") or Decimal(0)
    return dict(
        records_count=sum(rows.values()),
        ok_count=rows.get(RecordStatus.OK, 0),
        error_count=rows.get(RecordStatus.ERROR, 0),
        skipped_count=rows.get(RecordStatus.SKIPPED, 0),
        total_amount=ok_total.quantize(Decimal("0.01")),
    )


def previous_load(load):
    return (Load.objects.filter(biller=load.biller, file_format=load.file_format, status=LoadStatus.LOADED)
            .exclude(pk=load.pk).order_by("-loaded_at", "-pk").first())


def _percent(now, before):
    if before in (None, 0):
        return None
    return round(float((Decimal(now) - Decimal(before)) * 100 / Decimal(before)), 1)


def compare(load):
    """Counts, totals and accounts against the previous loaded load (set-based queries)."""
    previous = previous_load(load)
    if previous is None:
        return {"previous": None}
    current_ok = load.records.filter(status=RecordStatus.OK)
    previous_ok = previous.records.filter(status=RecordStatus.OK)
    # NOT EXISTS, an anti-join: a NOT IN (subquery) whose hash outgrows work_mem is re-scanned
    # per row on PostgreSQL (a million accounts against a million: it never ends)
    missing = previous_ok.exclude(Exists(current_ok.filter(account_number=OuterRef("account_number"))))
    new = current_ok.exclude(Exists(previous_ok.filter(account_number=OuterRef("account_number"))))
    return {
        "previous": {"id": previous.pk, "name": previous.original_name,
                     "loaded_at": previous.loaded_at.isoformat() if previous.loaded_at else None,
                     "ok_count": previous.ok_count, "total_amount": f"{previous.total_amount or 0:.2f}"},
        "count_change_pct": _percent(load.ok_count, previous.ok_count),
        "total_change_pct": _percent(load.total_amount or 0, previous.total_amount),
        "missing_accounts": _count_and_examples(missing),
        "new_accounts": _count_and_examples(new),
    }


def _count_and_examples(records):
    """{"count", "examples"} of `records` (their account numbers, the first EXAMPLES in file
    order) in one query: the count a window over every row, so that the anti-join runs once
    (a count and an examples query ran it twice: at 200,000 records ~0.5 s each way)."""
    rows = list(records.annotate(total=Window(Count("pk"))).order_by("seq")
                .values_list("account_number", "total")[:EXAMPLES])
    return {"count": rows[0][1] if rows else 0, "examples": [number for number, _ in rows]}
