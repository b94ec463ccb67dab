"""The OpenAPI document at /api/v1/schema/ is valid and lists every web service; the docs
page loads its files from the portal, not from a CDN."""
import re

from openapi_spec_validator import validate

OPERATIONS = {"RemoteAuthentication", "KeepRemoteSessionAlive", "RemoteRegistration", "LinkCustomerAccount",
              "UnregisterAccounts", "SetCustomerEmailAddress", "SetInvoiceBalance", "RetrieveCustomerGUID",
              "RetrieveCustomerAccount", "CustomerPortalRedirect"}


def test_it_validates_and_lists_every_endpoint(client, db):
    document = client.get("/api/v1/schema/").json()
    validate(document)
    paths = {path.rsplit("/", 1)[1] for path in document["paths"]}
    assert paths == OPERATIONS
    sign_in = document["paths"]["/api/v1/{slug}/RemoteAuthentication"]["post"]
    assert {"200", "400", "401", "403", "429"} <= set(sign_in["responses"])
    assert document["components"]["securitySchemes"]["PartnerKey"]["scheme"] == "bearer"


def test_the_docs_page_uses_no_cdn(client, db):
    page = client.get("/api/v1/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/static/") for source in sources)
