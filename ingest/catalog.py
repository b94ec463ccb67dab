"""The parsers' entries in the format catalogue (billers.catalog): one per FORMATS spec."""
from billers.catalog import Declaration
from ingest.formats import FORMATS


def declarations() -> list[Declaration]:
    return [Declaration(code=spec.code, name=spec.name, integration=spec.partner, direction="inbound",
                        kind=spec.kind, extension=spec.extension, delimiter=spec.delimiter,
                        naming_convention=spec.naming,
                        default_invoice_type_id=spec.default_invoice_type_id)
            for spec in FORMATS.values()]


def field_mapping(code: str) -> list[dict]:
    """The marker/field table the parser reads for `code` ([] for a code it does not know)."""
    spec = FORMATS.get(code)
    return spec.marker_rows() if spec is not None else []
