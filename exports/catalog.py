"""The writers' entries in the format catalogue (billers.catalog): one per WRITERS module."""
from billers.catalog import Declaration
from exports.writers import WRITERS


def declarations() -> list[Declaration]:
    return [Declaration(code=code, name=writer.NAME, integration=code.split(".", 1)[0], direction="outbound",
                        kind=writer.KIND, extension=writer.EXTENSION, delimiter="comma",
                        naming_convention=writer.NAMING)
            for code, writer in WRITERS.items()]
