"""The partner API's changes as change-log events (exports' AccountChange rows).

The next ICChangeLog file carries them like imported ones (FORMATS.md 7.3).
"""
from ledger.models import AccountChange, ChangeKind


def record_email(customer, accounts, at):
    """An `email` event at `at` for each of the customer's accounts given."""
    AccountChange.objects.bulk_create([
        AccountChange(biller=customer.biller, account=account, kind=ChangeKind.EMAIL, value=customer.email, at=at)
        for account in accounts])


def linked_accounts(customer):
    return [link.account for link in customer.links.select_related("account")]
