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

# Setting #131 (Tyler Incode JSON configuration): the keys the portal acts on, type-checked.
# A biller's real document holds other keys too (IC's other integrations read them): they are
# kept as written and shown as "not used by the portal" (`unused_keys`).
SETTING_131_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Advanced setting #131 JSON configuration",
    "type": "object",
    "properties": {
        "TylerIncode": {
            "type": "object",
            "properties": {
                "AdjustmentConfigs": {
                    "type": "object",
                    "properties": {"SkipNumericCheck": {
                        "type": "boolean",
                        "effect": "incode.adjustment.include_dashes lets accounts that are not numeric "
                                  "(e.g. BT-12345-01) through (ITG-3159)"}},
                },
                "InvoiceConfigs": {
                    "type": "object",
                    "properties": {"UseBillingAddress": {
                        "type": "boolean",
                        "effect": "incode.invoice.include_dashes puts the billing address (B_a1, B_a2) "
                                  "into Address1 and Address2 instead of the service address (ITG-3980)"}},
                },
            },
        },
    },
}

JSON_SCHEMAS = {JSON_CONFIGURATION: SETTING_131_SCHEMA}


def used_keys(setting_id):
    """[(dotted key, type, effect)] of the keys the portal acts on in a JSON setting."""
    out = []

    def walk(node, prefix):
        for key, child in node.get("properties", {}).items():
            path = prefix + key
            if "properties" in child:
                walk(child, path + ".")
            else:
                out.append((path, child.get("type", ""), child.get("effect", "")))

    walk(JSON_SCHEMAS.get(setting_id, {}), "")
    return out


def unused_keys(setting_id, document):
    """Dotted paths of the keys of `document` the portal does not act on (kept, not used)."""
    schema = JSON_SCHEMAS.get(setting_id)
    if schema is None or not isinstance(document, dict):
        return []
    out = []

    def walk(value, node, prefix):
        known = node.get("properties", {})
        for key, child in value.items():
            path = prefix + key
            if key not in known:
                out.append(path)
            elif isinstance(child, dict) and "properties" in known[key]:
                walk(child, known[key], path + ".")

    walk(document, schema, "")
    return out
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
                if error.validator == "type":
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
