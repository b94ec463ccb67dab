"""The JSON of IC's web services, with the design's PascalCase names."""
import datetime
import uuid
from decimal import Decimal

from ninja import Field, Schema


class Error(Schema):
    Error: str = Field(description="What was refused, starting with the field's name.")
    Field: str | None = Field(None, description="The field the error is about.")


class SignIn(Schema):
    EmailAddress: str = Field(max_length=100)
    Password: str = Field(min_length=1, max_length=128)
    AccountNumber: str = Field(min_length=1, max_length=60)


class Session(Schema):
    SessionToken: str = Field(min_length=1, max_length=200)


class SignedIn(Schema):
    CustomerGUID: uuid.UUID
    SessionToken: str
    Created: bool = Field(description="The customer was created by this call (advanced setting #29).")


class SessionAlive(Schema):
    SessionToken: str
    ExpiresAt: datetime.datetime


class Registered(Schema):
    CustomerGUID: uuid.UUID
    Created: bool


class AccountLink(Schema):
    CustomerGUID: uuid.UUID
    AccountNumber: str = Field(min_length=1, max_length=60)


class AccountsToUnregister(Schema):
    CustomerGUID: uuid.UUID
    AccountNumbers: list[str] = Field(min_length=1)


class LinkedAccounts(Schema):
    CustomerGUID: uuid.UUID
    AccountNumbers: list[str]


class EmailChange(Schema):
    CustomerGUID: uuid.UUID
    EmailAddress: str = Field(max_length=100)


class EmailChanged(Schema):
    CustomerGUID: uuid.UUID
    EmailAddress: str
    Changed: bool


class InvoiceBalance(Schema):
    AccountNumber: str = Field(min_length=1, max_length=60)
    InvoiceNumber: str = Field(min_length=1, max_length=80)
    BalanceDue: Decimal = Field(max_digits=14, decimal_places=2)


class InvoiceBalanceSet(Schema):
    InvoiceNumber: str
    BalanceDue: Decimal


class CustomerRef(Schema):
    CustomerGUID: uuid.UUID


class CustomerAccounts(Schema):
    CustomerGUID: uuid.UUID
    AccountNumber: str | None = Field(description="The account the customer signed in with, when linked.")
    AccountNumbers: list[str]


class RedirectRequest(Schema):
    SessionToken: str = Field(min_length=1, max_length=200)
    RedirectCode: int


class Redirect(Schema):
    RedirectCode: int
    Destination: str
    RedirectUrl: str
