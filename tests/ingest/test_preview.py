"""The preview: records paged by status with seek cursors (work proportional to the page),
errors grouped by field, the comparison with the previous loaded load, what will change."""
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.loadkit import approve, change_url, demo, login, upload  # noqa: F401

HEADER = "AccountNumber,CustomerName,Address1,Address2,City,State,Zip,InvoiceDate,InvoiceDueDate,TotalAmountDue,PastDue,InvoiceNumber,InvoiceTypeID\n"


def ws_file(tmp_path, name, rows, bad_every=0):
    """rows: (account, amount); every `bad_every`-th row gets a bad InvoiceTypeID."""
    lines = []
    for n, (account, amount) in enumerate(rows, start=1):
        type_id = 7 if bad_every and n % bad_every == 0 else 1
        lines.append(f"{account},Name {account},1 Main St,,Fresno,CA,93701,01/15/2025,02/05/2025,{amount},,"
                     f"{account}01,{type_id}\n")
    path = tmp_path / name
    path.write_text(HEADER + "".join(lines))
    return path


def lines_on(html):
    table = html[html.index('id="records"'):html.index('class="paginator"')]
    return [int(n) for n in re.findall(r'<tr class="status-\w+"><td class="num">(\d+)</td>', table)]


def link(html, rel):
    match = re.search(rf'<a href="\?([^"]*)">{rel}', html)
    return match and match.group(1).replace("&amp;", "&")


def test_it_pages_through_the_records_by_status(demo, tmp_path):
    rows = [(f"{1000 + n}", "10.00") for n in range(130)]
    support = login("support")
    _, load = upload(support, "demo-watersmart", "watersmart.invoice", ws_file(tmp_path, "a.csv", rows, bad_every=2))
    load.refresh_from_db()
    assert (load.ok_count, load.error_count) == (65, 65)
    html = support.get(change_url(load)).content.decode()
    assert lines_on(html) == list(range(2, 52)) and link(html, "‹ previous") is None
    html = support.get(change_url(load) + "?" + link(html, "next ›")).content.decode()
    assert lines_on(html) == list(range(52, 102))
    html = support.get(change_url(load) + "?" + link(html, "next ›")).content.decode()
    assert lines_on(html) == list(range(102, 132)) and link(html, "next ›") is None
    html = support.get(change_url(load) + "?" + link(html, "‹ previous")).content.decode()
    assert lines_on(html) == list(range(52, 102))

    html = support.get(change_url(load), {"status": "error"}).content.decode()
    assert lines_on(html) == list(range(3, 103, 2))          # file lines of rows 2, 4, ... 100
    html = support.get(change_url(load) + "?" + link(html, "next ›")).content.decode()
    assert lines_on(html) == list(range(103, 132, 2))
    assert "<strong>error (65)</strong>" in html


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_does_work_proportional_to_the_page_not_to_the_file(demo, tmp_path):
    support = login("support")
    _, small = upload(support, "demo-watersmart", "watersmart.invoice",
                      ws_file(tmp_path, "s.csv", [(f"{1000 + n}", "1.00") for n in range(60)], bad_every=3))
    _, big = upload(support, "demo-watersmart", "watersmart.invoice",
                    ws_file(tmp_path, "b.csv", [(f"{5000 + n}", "1.00") for n in range(1500)], bad_every=3))
    for params in ("", "?status=error", "?status=ok&after=40"):
        support.get(change_url(small) + params)      # once untimed: one-time lookups (content types) cached
        assert count_queries(support, change_url(small) + params) == count_queries(support, change_url(big) + params)
    with CaptureQueriesContext(connection) as queries:
        support.get(change_url(big) + "?status=ok&after=400")
    sql = " ".join(q["sql"] for q in queries if "ingest_stagedrecord" in q["sql"])
    assert "COUNT(" not in sql.upper() and "OFFSET" not in sql.upper()


def test_it_groups_errors_by_field_with_counts_and_the_first_lines(demo, tmp_path):
    rows = [(f"{1000 + n}", "10.00") for n in range(30)]
    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice",
                     ws_file(tmp_path, "a.csv", rows, bad_every=2))
    load.refresh_from_db()
    grouped = load.error_fields["InvoiceTypeID"]
    assert grouped["count"] == 15 and len(grouped["examples"]) == 10
    assert [e["line"] for e in grouped["examples"]] == list(range(3, 23, 2))
    html = login("support").get(change_url(load)).content.decode()
    table = html[html.index('id="error-fields"'):]
    assert "<td>InvoiceTypeID</td><td class=\"num\">15</td>" in table and "line 21: " in table
    assert "line 23: " not in table[:table.index("</table>")]


def test_it_compares_with_the_previous_loaded_load(demo, tmp_path):
    support, support2 = login("support"), login("support2")
    _, first = upload(support, "demo-watersmart", "watersmart.invoice",
                      ws_file(tmp_path, "a.csv", [("1001", "10.00"), ("1002", "20.00"), ("1003", "30.00"),
                                                  ("1004", "40.00")]))
    approve(support2, first)
    # an unloaded (rejected) load in between is not "the previous load"
    _, rejected = upload(support, "demo-watersmart", "watersmart.invoice",
                         ws_file(tmp_path, "r.csv", [("9999", "1.00")]))
    support2.post(f"/admin/ingest/load/{rejected.pk}/reject/", {"reason": "wrong file"})
    _, second = upload(support, "demo-watersmart", "watersmart.invoice",
                       ws_file(tmp_path, "b.csv", [("1001", "10.00"), ("1003", "35.00"), ("1005", "50.00"),
                                                   ("1006", "60.00"), ("1007", "70.00")]))
    second.refresh_from_db()
    comparison = second.comparison
    assert comparison["previous"]["id"] == first.pk
    assert comparison["count_change_pct"] == 25.0                  # 4 -> 5 invoices
    assert comparison["total_change_pct"] == 125.0                 # 100.00 -> 225.00
    assert comparison["missing_accounts"] == {"count": 2, "examples": ["1002", "1004"]}
    assert comparison["new_accounts"] == {"count": 3, "examples": ["1005", "1006", "1007"]}
    assert second.plan["accounts"] == {"new": 3, "updated": 1, "unchanged": 1}
    assert second.plan["invoices"] == {"new": 3, "updated": 1, "unchanged": 1}
    html = support.get(change_url(second)).content.decode()
    section = html[html.index('id="comparison"'):html.index("Errors by field")]
    assert "+25.0 %" in section and "+125.0 %" in section and "1002, 1004" in section and "1005, 1006, 1007" in section
    plan = html[html.index('id="plan"'):html.index('id="comparison"')]
    assert re.search(r"<th>invoices</th><td[^>]*>3</td><td[^>]*>1</td><td[^>]*>1</td>", plan)


def test_it_shows_the_balance_changes_of_an_adjustment_file(demo, tmp_path):
    support = login("support")
    _, invoices = upload(support, "demo-watersmart", "watersmart.invoice",
                         ws_file(tmp_path, "a.csv", [("1001", "10.00"), ("1002", "20.00")]))
    approve(login("support2"), invoices)
    path = tmp_path / "adj.csv"
    path.write_text("1001,A,5.00,1,\n1002,B,7.50,2,\n4242,C,1.00,2,\n")
    _, load = upload(support, "demo-watersmart", "watersmart.adjustment", path)
    load.refresh_from_db()
    assert load.plan["balances"]["changed"] == 2 and load.plan["balances"]["total_difference"] == "-7.50"
    assert (load.ok_count, load.error_count) == (2, 1)
    html = support.get(change_url(load)).content.decode()
    assert "10.00 → 15.00 (5.00)" in html and "20.00 → 7.50 (-12.50)" in html
    assert "account not found: the biller has no account 4242" in html


def test_it_leads_with_the_decision_and_puts_the_file_metadata_below(demo):
    from tests.support.loadkit import sample

    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", sample("watersmart_invoice.csv"))
    html = login("support2").get(change_url(load)).content.decode()
    order = [html.index(marker) for marker in ('id="status-badge"', 'id="summary"', 'id="plan"', 'id="comparison"',
                                               'id="error-fields"', 'id="records"', 'id="load-metadata-heading"',
                                               "SHA-256")]
    assert order == sorted(order)
    assert re.search(r'class="badge badge-ready" id="status-badge">parsed \(preview ready\)<', html)
    assert re.search(r'<a href="/admin/ingest/load/\d+/approve/" class="button primary-action" '
                     r'id="primary-action">Approve</a>', html)


def test_it_finds_records_by_account_or_invoice_number_and_jumps_to_a_line(demo, tmp_path):
    rows = [(str(1000 + n), "1.00") for n in range(120)]
    _, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", ws_file(tmp_path, "many.csv", rows))
    support = login("support")
    html = support.get(change_url(load), {"q": "1077"}).content.decode()
    assert lines_on(html) == [79]               # the header is line 1
    html = support.get(change_url(load), {"q": "nothing-like-it"}).content.decode()
    assert lines_on(html) == [] and "No records with account or invoice number nothing-like-it." in html
    html = support.get(change_url(load), {"line": "100"}).content.decode()
    assert lines_on(html)[0] == 100 and len(lines_on(html)) == 22
    assert link(html, "‹ previous")


def test_a_running_load_shows_its_percentage_and_an_estimate(demo, tmp_path):
    import datetime

    from django.utils import timezone

    from ingest.admin.preview import estimate_progress
    from ingest.models import Load

    _, done = upload(login("support"), "demo-watersmart", "watersmart.invoice",
                     ws_file(tmp_path, "a.csv", [(str(1000 + n), "1.00") for n in range(40)]))
    _, running = upload(login("support"), "demo-watersmart", "watersmart.invoice",
                        ws_file(tmp_path, "b.csv", [(str(2000 + n), "1.00") for n in range(40)]))
    now = timezone.now()
    Load.objects.filter(pk=running.pk).update(status="loading", progress=10, task_started_at=now - datetime.timedelta(seconds=10))
    running.refresh_from_db()
    assert estimate_progress(running, now) == {"done": 10, "total": 40, "percent": 25, "remaining_s": 30}
    Load.objects.filter(pk=running.pk).update(status="parsing", progress=20)
    running.refresh_from_db()       # the total is estimated from the bytes per record of load `done`
    assert estimate_progress(running, now) == {"done": 20, "total": 40, "percent": 50, "remaining_s": 10}
    html = login("support").get(change_url(running)).content.decode()
    assert "<strong>50 %</strong> (20 of about 40 records)" in html
