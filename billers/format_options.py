"""Per-format options a biller may set on an enabled file format, validated per format."""

DEFAULT_LANDLORD_MARKER = 'Landlord="Y"'

# code -> {option: (type, default, help)}
FORMAT_OPTIONS = {
    "incode.invoice.skip_landlord": {
        "landlord_marker": (str, DEFAULT_LANDLORD_MARKER,
                            "text whose presence in an <account> block marks a landlord copy"),
    },
    "watersmart.payments": {
        "split": (bool, False, "three files instead of one: AMEX, other cards, bank (ACH and offline)"),
    },
}


def validate_options(code, options):
    """Return the options with defaults filled in, or raise ValueError naming the option."""
    if options in (None, ""):
        options = {}
    if not isinstance(options, dict):
        raise ValueError("options must be a JSON object, e.g. {}")
    allowed = FORMAT_OPTIONS.get(code, {})
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise ValueError(f"unknown option '{unknown[0]}' for {code} (options of this format: {known})")
    cleaned = {}
    for name, (kind, default, _help) in allowed.items():
        value = options.get(name, default)
        if kind is bool and not isinstance(value, bool):
            raise ValueError(f"option '{name}' must be true or false, not {value!r}")
        if kind is str:
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"option '{name}' must be non-empty text, not {value!r}")
        cleaned[name] = value
    return cleaned
