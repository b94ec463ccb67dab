"""`watersmart.changelog`: ICChangeLog_YYYYMMDDHHMMSS.csv (FORMATS.md 7.3).

One row per account with at least one change in the run; each column holds the latest event
of its kind, blank when none. Rows ordered by Account Number.
"""
from dataclasses import dataclass, field

from exports.writers.base import Column, OutFile, local_time, render, text

# The catalogue entry (billers.catalog): IC name, kind, extension, naming convention.
NAME = "Change Log File"
KIND = "changelog"
EXTENSION = "csv"
NAMING = "ICChangeLog_YYYYMMDDHHMMSS.csv"
RECORD = "change"
STAMP = "%m%d%Y%H%M%S"


@dataclass
class AccountRow:
    account_number: str
    latest: dict = field(default_factory=dict)  # kind -> ChangeRecord

    def at(self, kind):
        event = self.latest.get(kind)
        return event.at if event else None

    def value(self, kind):
        event = self.latest.get(kind)
        return event.value if event else ""


def latest_at(kind):
    return local_time(lambda row: row.at(kind), STAMP)


def latest_value(kind):
    return text(lambda row: row.value(kind))


COLUMNS = (
    Column("Account Number", text("account_number"), max_length=30),
    Column("AutoPay Sign Up Date", latest_at("autopay_signup")),
    Column("AutoPay Cancel Date", latest_at("autopay_cancel")),
    Column("Email Address", latest_value("email"), max_length=100),
    Column("Email Address change date", latest_at("email")),
    Column("Phone Number", latest_value("phone"), max_length=15),
    Column("Phone Number change date", latest_at("phone")),
    Column("Paperless Sign Up Date", latest_at("paperless_signup")),
    Column("Paperless Cancel Date", latest_at("paperless_cancel")),
)


def account_rows(records):
    rows = {}
    for record in sorted(records, key=lambda r: (r.at, r.sequence)):
        row = rows.setdefault(record.account_number, AccountRow(record.account_number))
        row.latest[record.kind] = record  # later events replace earlier ones
    return [rows[number] for number in sorted(rows)]


def write(records, run, options=None):
    rows = account_rows(records)
    return [OutFile(f"ICChangeLog_{run.stamp}.csv", render(COLUMNS, rows, run), len(rows), None)]
