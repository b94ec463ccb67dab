"""Auto-approval (issue 15): after a parse, a load that meets its biller's rule for the format
(billers.AutoApprovalRule) is approved by the system and queued for loading; one that does not
waits for a person with the reason stored on the load (`Load.waiting_reason`), shown on the
load page and the dashboard.

`verdict` is the rule itself (numbers in, a decision and its reason out); `decide` reads the
load, the rule and the previous loaded load, and `approve_by_rule` is the one place where the
system approves a load (no user: the event says which rule approved it).
"""
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from billers.models import AutoApprovalRule
from ingest.actions import find_duplicate
from ingest.lifecycle import StateRefused, transition
from ingest.models import Load, LoadStatus
from ingest.planning import previous_load

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    approve: bool
    reason: str


def pct(value):
    """A tolerance as written: 10, 2.5 (not 10.00)."""
    return f"{Decimal(value).normalize():f}"


def _change_pct(now, before):
    return (Decimal(now) - Decimal(before)) * 100 / Decimal(before)


def verdict(rule, load, previous, duplicate=None) -> Verdict:
    """Whether `rule` approves `load` given the previous loaded load of its biller and format."""
    name = rule.describe()
    if load.biller.requires_second_approver and not rule.approve_four_eyes:
        return Verdict(False, f"not approved automatically: {load.biller.slug} requires a second approver and "
                              f"{name} does not allow approving its loads automatically")
    if not load.ok_count:
        return Verdict(False, f"not approved automatically: the load has no ok records ({name})")
    if load.error_count > rule.max_error_records:
        return Verdict(False, f"not approved automatically: {load.error_count} error records; {name} allows "
                              f"at most {rule.max_error_records}")
    if duplicate is not None:
        return Verdict(False, f"not approved automatically: the same file was already loaded as load {duplicate.pk}")
    if previous is None:
        return Verdict(False, f"not approved automatically: no previous loaded load of {load.biller.slug} "
                              f"{load.file_format.code}, so the record count and total tolerances of {name} "
                              "cannot be checked")
    if not previous.ok_count:
        return Verdict(False, f"not approved automatically: the previous load {previous.pk} has no ok records, "
                              f"so the record count tolerance of {name} cannot be checked")
    count_pct = _change_pct(load.ok_count, previous.ok_count)
    if abs(count_pct) > rule.count_tolerance_pct:
        return Verdict(False, f"not approved automatically: {load.ok_count} ok records is {count_pct:+.1f} % from "
                              f"the {previous.ok_count} of load {previous.pk}; {name} allows "
                              f"±{pct(rule.count_tolerance_pct)} %")
    total, before = load.total_amount or Decimal(0), previous.total_amount or Decimal(0)
    if before == 0:
        if total != 0:
            return Verdict(False, f"not approved automatically: the previous load {previous.pk} totals 0.00, so the "
                                  f"total tolerance of {name} cannot be checked")
    else:
        total_pct = _change_pct(total, before)
        if abs(total_pct) > rule.total_tolerance_pct:
            return Verdict(False, f"not approved automatically: the total {total:.2f} is {total_pct:+.1f} % from "
                                  f"the {before:.2f} of load {previous.pk}; {name} allows "
                                  f"±{pct(rule.total_tolerance_pct)} %")
    return Verdict(True, f"approved automatically by {name}: {load.ok_count} ok records "
                         f"({count_pct:+.1f} % from load {previous.pk}), {load.error_count} errors")


def decide(load):
    """(rule, verdict) of the load's rule, or None when the biller has no enabled rule for the format."""
    rule = AutoApprovalRule.objects.filter(biller=load.biller_id, file_format=load.file_format_id,
                                           enabled=True).first()
    if rule is None:
        return None
    return rule, verdict(rule, load, previous_load(load), find_duplicate(load))


def after_parse(load):
    """Called by the parse task once the load is parsed: approve it by its rule and queue its
    load, or store why it waits for a person. Never raises (the parse itself succeeded)."""
    try:
        decided = decide(load)
        if decided is None:
            return load
        rule, outcome = decided
        if outcome.approve:
            return approve_by_rule(load, outcome.reason)
        Load.objects.filter(pk=load.pk, status=LoadStatus.PARSED).update(waiting_reason=outcome.reason[:1000])
        load.waiting_reason = outcome.reason
    except Exception:
        logger.exception("auto-approval of load %s failed; the load waits for a person", load.pk)
    return load


def approve_by_rule(load, note):
    """The system approves the parsed load (no user) and queues its load."""
    from ingest.pipeline import start_load

    try:
        transition(load, LoadStatus.APPROVED, None, note, approved_by=None, approved_at=timezone.now(),
                   errors_acknowledged=bool(load.error_count), waiting_reason="")
    except StateRefused as exc:  # a person approved or rejected it meanwhile
        logger.info("load %s not approved automatically: %s", load.pk, exc)
        return load
    return start_load(load)
