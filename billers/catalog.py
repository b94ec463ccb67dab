"""The format catalogue: the FileFormat rows, built from what the parsers (ingest) and the
writers (exports) declare. billers imports neither: each registers its declarations here from
its AppConfig.ready (`connect`), and its rows are synced after every `migrate` (post_migrate)
and by `sync_catalogue()` (seed_demo, tests).

A row holds the declaration (code, IC name, integration, direction, kind, extension,
delimiter, naming convention, default InvoiceTypeID), overwritten at each sync, and the
technical design's metadata (transfer frequency, Stratus repository and class, ITR, document
status and owner, sample), which implementation managers keep: it is filled in from
`reference_data.FORMAT_METADATA` when the row is created, never overwritten. A code that no
longer is declared is retired (kept for the billers, loads and history that name it, offered to
no biller); declared again, it is offered again. Per-biller enablement (BillerFileFormat) is
configuration and stays in the database.
"""
from dataclasses import asdict, dataclass
from typing import Callable, Iterable

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate

from billers.reference_data import FORMAT_METADATA, MODIFICATION_LINKS


@dataclass(frozen=True)
class Declaration:
    """What a parser or writer declares of its format (the FileFormat fields it owns)."""
    code: str
    name: str
    integration: str
    direction: str
    kind: str
    extension: str
    delimiter: str
    naming_convention: str = ""
    default_invoice_type_id: int | None = None


Declare = Callable[[], Iterable[Declaration]]
FieldMapping = Callable[[str], list[dict]]

_SOURCES: dict[str, Declare] = {}  # direction -> its declarations
_FIELD_MAPPINGS: dict[str, FieldMapping] = {}  # direction -> code -> the rows it reads or writes


def connect(app_config, direction: str, declare: Declare, field_mapping: FieldMapping | None = None) -> None:
    """Registers an app's declarations of `direction` and syncs them after each migrate."""
    _SOURCES[direction] = declare
    if field_mapping is not None:
        _FIELD_MAPPINGS[direction] = field_mapping

    def sync_after_migrate(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
        try:
            model = apps.get_model("billers", "FileFormat")
        except LookupError:  # billers not migrated (yet)
            return
        if "retired" in {f.name for f in model._meta.get_fields()} and _has_table(model, using):
            sync_file_formats(direction, declare(), using=using, model=model)

    post_migrate.connect(sync_after_migrate, sender=app_config, weak=False,
                         dispatch_uid=f"billers.catalog.{direction}")


def _has_table(model, using):
    connection = connections[using]
    with connection.cursor() as cursor:
        return model._meta.db_table in connection.introspection.table_names(cursor)


def sync_catalogue(using: str = DEFAULT_DB_ALIAS) -> None:
    """Syncs every registered source (both directions once ingest and exports are ready)."""
    for direction, declare in _SOURCES.items():
        sync_file_formats(direction, declare(), using=using)


def sync_file_formats(direction: str, declarations: Iterable[Declaration], using: str = DEFAULT_DB_ALIAS,
                      model=None) -> dict[str, list[str]]:
    """Creates or updates the FileFormat row of each declaration (by code) and retires the rows
    of `direction` no longer declared. Saves only what changed (a second run writes nothing).
    Returns {"created": codes, "updated": codes, "retired": codes}."""
    FileFormat = model or global_apps.get_model("billers", "FileFormat")
    rows = FileFormat.objects.using(using)
    done = {"created": [], "updated": [], "retired": []}
    declared = set()
    for declaration in declarations:
        if declaration.direction != direction:
            raise ValueError(f"{declaration.code} is declared {declaration.direction}, not {direction}")
        declared.add(declaration.code)
        values = {**asdict(declaration), "retired": False}
        row = rows.filter(code=declaration.code).first()
        if row is None:
            row = rows.create(**values, **FORMAT_METADATA.get(declaration.code, {}))
            _link_modifications(row, using, FileFormat)
            done["created"].append(row.code)
        elif _update(row, values, using):
            done["updated"].append(row.code)
    for row in rows.filter(direction=direction, retired=False).exclude(code__in=declared):
        _update(row, {"retired": True}, using)
        done["retired"].append(row.code)
    return done


def _update(row, values, using):
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.save(using=using, update_fields=changed)
    return bool(changed)


def _link_modifications(row, using, FileFormat):
    """A new row joins the integration modifications the seeds say changed it."""
    keys = [key for key, (codes, _settings) in MODIFICATION_LINKS.items() if row.code in codes]
    modification = FileFormat._meta.get_field("modifications").related_model
    row.modifications.add(*modification.objects.using(using).filter(jira_key__in=keys))


def field_mapping(code: str, direction: str) -> list[dict]:
    """The rows the format's parser reads (the registered provider's), or []."""
    provider = _FIELD_MAPPINGS.get(direction)
    return provider(code) if provider is not None else []
