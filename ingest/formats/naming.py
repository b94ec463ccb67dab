"""File-naming conventions of the inbound formats (pure: a convention and a name in, an answer out).

A convention is one or more patterns separated by `|`, matched against the whole file name,
case-insensitively:

- `*` any run of characters, `?` one character;
- `YYYYMMDD` eight digits, `HHMMSS` six digits, `YYYY` four digits, `MM`, `DD` two digits
  (written in capitals, as the seeds write them: `IC_YYYYMMDD.txt`);
- anything else is itself.

The watched inbox (operations.inbox) matches a dropped file to the biller's enabled inbound
formats with `matches`, then by content (ingest.formats.sniff).
"""
import re

TOKENS = (("YYYYMMDD", r"\d{8}"), ("HHMMSS", r"\d{6}"), ("YYYY", r"\d{4}"), ("MM", r"\d{2}"), ("DD", r"\d{2}"),
          ("*", r".*"), ("?", r"."))


def patterns(convention: str) -> list[str]:
    return [part.strip() for part in (convention or "").split("|") if part.strip()]


def to_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        for token, regex in TOKENS:
            if pattern.startswith(token, i):
                out.append(regex)
                i += len(token)
                break
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def matches(convention: str, name: str) -> bool:
    """Whether `name` follows one of the convention's patterns (an empty convention matches nothing)."""
    return any(re.fullmatch(to_regex(p), name, re.IGNORECASE) for p in patterns(convention))
