"""A biller's hub: its loads, export runs, accounts, configuration history and 'upload for
this biller', with charts of its recent loads and of the payments exported per day.

A load whose record count or total differs from the previous load of the same format by more
than `DESK_CHANGE_THRESHOLD_PCT` (default 20 %) is flagged.
"""
import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from billers.history import configuration_changes
from billers.models import Biller
from desk.charts import bar_chart
from exports.models import ExportRun
from ingest.actions import may_upload
from ingest.admin.preview import badge
from ingest.models import Load, LoadStatus
from ledger.models import Account

PERIODS = (30, 90)
CHARTED = (LoadStatus.PARSED, LoadStatus.APPROVED, LoadStatus.LOADING, LoadStatus.LOADED, LoadStatus.LOAD_FAILED)


def threshold():
    return Decimal(str(getattr(settings, "DESK_CHANGE_THRESHOLD_PCT", 20)))


def _change_pct(new, old):
    if not old:
        return None
    return (Decimal(new) - Decimal(old)) * 100 / Decimal(old)


def load_points(biller, since):
    """The biller's staged loads since `since`, oldest first, each with its error rate and
    whether its count or total moved more than the threshold from the previous load of its format."""
    loads = list(Load.objects.filter(biller=biller, created_at__gte=since, status__in=CHARTED)
                 .select_related("file_format").order_by("created_at", "pk"))
    previous, rows, limit = {}, [], threshold()
    for load in loads:
        before = previous.get(load.file_format_id)
        count_change = _change_pct(load.ok_count, before.ok_count) if before else None
        total_change = _change_pct(load.total_amount or 0, before.total_amount or 0) if before else None
        flagged = any(change is not None and abs(change) > limit for change in (count_change, total_change))
        rate = Decimal(load.error_count * 100) / load.records_count if load.records_count else Decimal(0)
        rows.append({"load": load, "count_change": count_change, "total_change": total_change,
                     "flagged": flagged, "error_rate": rate.quantize(Decimal("0.1"))})
        previous[load.file_format_id] = load
    return rows


def payments_per_day(biller, since_date):
    """[(business date, payments carried, amount)] of the biller's export runs."""
    rows = (ExportRun.objects.filter(biller=biller, business_date__gte=since_date)
            .values("business_date").annotate(count=Count("carried_payments"),
                                              amount=Sum("carried_payments__record__amount"))
            .order_by("business_date"))
    return [(row["business_date"], row["count"], row["amount"] or Decimal("0.00")) for row in rows]


def charts(biller, days, now):
    since = now - datetime.timedelta(days=days)
    loads = load_points(biller, since)
    label = lambda row: f"{row['load'].pk}"  # noqa: E731  (the load number under each bar)
    payments = payments_per_day(biller, since.astimezone(biller.zone).date())
    return loads, [
        ("chart-records", bar_chart([(label(r), r["load"].records_count, r["flagged"]) for r in loads],
                                    f"Records per load, last {days} days")),
        ("chart-total", bar_chart([(label(r), r["load"].total_amount or Decimal(0), r["flagged"]) for r in loads],
                                  f"Total amount per load, last {days} days")),
        ("chart-errors", bar_chart([(label(r), r["error_rate"], False) for r in loads],
                                   f"Error rate per load, last {days} days", unit="%")),
        ("chart-payments", bar_chart([(f"{d:%m-%d}", count, False) for d, count, _ in payments],
                                     f"Payments exported per business day, last {days} days")),
    ], payments


def design_url(biller):
    """The biller's technical design page, when the portal has one."""
    try:
        return reverse("admin:billers_biller_design", args=[biller.pk])
    except NoReverseMatch:
        return None


def hub_page(model_admin, request, biller):
    """The hub of `biller` (BillerAdmin.hub_view checks the view permission first)."""
    raw = request.GET.get("days", "")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else PERIODS[0]
    now = timezone.now()
    loads, chart_list, payments = charts(biller, days, now)
    user = request.user
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{biller}: loads, exports and configuration",
        "biller": biller, "opts": Biller._meta, "days": days, "periods": PERIODS,
        "charts": chart_list, "load_rows": loads[::-1][:20], "payments": payments[::-1][:10],
        "threshold": threshold(),
        "recent_loads": [(load, badge(load.status)) for load in
                         Load.objects.filter(biller=biller).select_related("file_format").order_by("-created_at")[:10]],
        "runs": ExportRun.objects.filter(biller=biller).select_related("file_format")[:10],
        "accounts": Account.objects.filter(biller=biller).count(),
        "changes": configuration_changes(biller, limit=10),
        "can_upload": bool(may_upload(user)) and biller.active,
        "can_view_loads": user.has_perm("ingest.view_load"),
        "can_view_runs": user.has_perm("exports.view_exportrun"),
        "can_view_accounts": user.has_perm("ledger.view_account"),
        "design_url": design_url(biller),
    }
    return TemplateResponse(request, "admin/billers/biller/hub.html", context)
