"""Validation of advanced-setting values by type; #131 against its JSON schema."""
import json

import jsonschema

JSON_CONFIGURATION = 131

YES = {"1", "true", "yes", "y"}
NO = {"0", "false", "no", "n"}


def parse_yes_no(text):
    """True or False for the usual spellings of yes and no (any case), None for anything else."""
    lowered = (text or "").strip().lower()
    return True if lowered in YES else False if lowered in NO else None

# Setting #131 (Tyler Incode JSON configuration): the keys the portal understands. Unknown
# keys are refused so that a typo never silently does nothing.
SETTING_131_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Advanced setting #131 JSON configuration",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "TylerIncode": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "AdjustmentConfigs": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"SkipNumericCheck": {"type": "boolean"}},
                },
                "InvoiceConfigs": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"UseBillingAddress": {"type": "boolean"}},
                },
            },
        },
    },
}

JSON_SCHEMAS = {JSON_CONFIGURATION: SETTING_131_SCHEMA}


def schema_keys(schema, prefix=""):
    """[(dotted key, type)] of every property a JSON schema declares, depth first."""
    keys = []
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        keys.append((path, sub.get("type", "any")))
        keys += schema_keys(sub, path + ".")
    return keys


def _path(error):
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def validate_json_setting(setting_id, text):
    """Parse and validate a JSON setting; return it re-serialized (stable key order)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    schema = JSON_SCHEMAS.get(setting_id)
    if schema is not None:
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document),
                        key=lambda e: list(e.absolute_path))
        if errors:
            messages = []
            for error in errors:
                if error.validator == "additionalProperties":
                    allowed = ", ".join(sorted(error.schema.get("properties", {}))) or "none"
                    extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
                    for key in extra:
                        where = _path(error)
                        prefix = "" if where == "(top level)" else where + "."
                        messages.append(f"unknown key '{prefix}{key}' (allowed here: {allowed})")
                elif error.validator == "type":
                    messages.append(f"'{_path(error)}' must be {error.validator_value}, "
                                    f"not {json.dumps(error.instance)}")
                else:
                    messages.append(f"'{_path(error)}': {error.message}")
            raise ValueError("; ".join(messages))
    return json.dumps(document, indent=2, sort_keys=False)


def validate_setting_value(setting_id, value_type, value):
    """Return the normalized text of a setting value, or raise ValueError with the reason."""
    text = (value or "").strip()
    if value_type == "integer":
        try:
            return str(int(text))
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
    if value_type == "boolean":
        answer = parse_yes_no(text)
        if answer is None:
            raise ValueError(f"{text!r} is not a boolean (1/0, true/false, yes/no)")
        return "1" if answer else "0"
    if value_type == "json":
        return validate_json_setting(setting_id, text)
    if not text:
        raise ValueError("a value is required")
    return text
