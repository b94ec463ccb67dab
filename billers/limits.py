"""The largest amount a decimal column holds: a derived value (a balance after an adjustment,
its difference) is checked against its column before it is written, so that it becomes an
error naming the value and the limit instead of a database overflow of the whole load."""
from decimal import Decimal


def largest(model, field_name):
    """The largest absolute value `model.field_name` (a DecimalField) can store."""
    field = model._meta.get_field(field_name)
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(1).scaleb(-field.decimal_places)


def fits(value, model, field_name):
    return value is None or abs(value) <= largest(model, field_name)
