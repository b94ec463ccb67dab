"""CSV for people (opened in spreadsheets), not for partners: values that a spreadsheet
would run as a formula are neutralized with a leading apostrophe (OWASP CSV injection).
The partner files of exports.writers are machine-read and byte-exact, so they never pass
through here."""
import csv
import io

from django.http import HttpResponse

# the OWASP list, its full-width forms, and the en dash some payload lists include
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\u2013", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralize(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralize(h) for h in header])
    writer.writerows([neutralize(v) for v in row] for row in rows)
    return buffer.getvalue()


def csv_response(filename, header, rows):
    response = HttpResponse(csv_text(header, rows).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
