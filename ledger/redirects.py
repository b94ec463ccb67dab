"""Customer-portal redirects: a session token and a redirect code to the portal page's URL."""
from urllib.parse import urlencode

from billers.models import PortalRedirect
from ledger.customers import Refused, find_session


def portal_redirect(biller, code):
    row = PortalRedirect.objects.filter(integration=biller.integration, code=code).first()
    if row is None:
        codes = ", ".join(str(c) for c in PortalRedirect.objects.filter(integration=biller.integration)
                          .values_list("code", flat=True))
        raise Refused("RedirectCode", f"unknown redirect code {code!r} (known: {codes or 'none'})")
    return row


def redirect_url(biller, token, code, now=None):
    """(PortalRedirect, URL) for a live session; Refused for an unknown code, an expired
    session, or a biller without a customer portal base URL."""
    redirect = portal_redirect(biller, code)
    if not biller.customer_portal_url:
        raise Refused("RedirectCode", f"biller {biller.slug} has no customer portal base URL", kind="refused")
    find_session(biller, token, now)
    separator = "&" if "?" in biller.customer_portal_url else "?"
    query = urlencode({"RedirectCode": code, "SessionToken": token})
    return redirect, f"{biller.customer_portal_url}{separator}{query}"
