"""Natural order for names people read: "Student 2" before "Student 10", case ignored.

``natural_key`` is a sort key (``sorted(names, key=natural_key)``) for any page that lists
names, titles or codes; ``matches`` is the filter those lists share."""

from __future__ import annotations

import re

_RUNS = re.compile(r"([0-9]+)")


def natural_key(text: str | None) -> tuple:
    """A sort key comparing runs of digits as numbers and the rest case-insensitively:
    "Sim Student 2" < "sim student 10" < "Sim Student 100". Text runs sit at even
    positions and numbers at odd ones, so a number is never compared with text; ties
    (different case, leading zeros) fall back to the text itself."""
    text = text or ""
    parts = _RUNS.split(text.casefold())
    return (
        tuple(int(p) if i % 2 else p for i, p in enumerate(parts)),
        text,
    )


def matches(query: str, *texts: str | None) -> bool:
    """Whether every word of ``query`` occurs in one of ``texts`` (case ignored); an
    empty query matches everything."""
    haystack = " ".join(t for t in texts if t).casefold()
    return all(word in haystack for word in query.casefold().split())
