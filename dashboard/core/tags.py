"""Heartbeat tags: free words, space-separated, stored normalised.

A heartbeat's ``tags`` is one string of words separated by single spaces, each
word once, in the order first given (``"prod  db prod"`` → ``"prod db"``), so
equal sets of tags are equal strings and a filter is a whole-word match.  A
tag is any run of printable non-space characters.  Filters take several tags
and match heartbeats that have all of them (as Healthchecks' ``?tag=`` does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, literal

MAX_LENGTH = 500  # the whole normalised string, like Healthchecks' column


class TagError(ValueError):
    """Tags that cannot be stored; the message says why."""


def normalise_tags(raw: str | Iterable[str]) -> str:
    """The stored form: words once each, in first-seen order, joined by one space."""
    words = raw.split() if isinstance(raw, str) else [word for item in raw for word in str(item).split()]
    for word in words:
        if not word.isprintable():
            raise TagError(f"the tag {word[:40]!r} contains a control character")
        try:
            word.encode("utf-8")
        except UnicodeEncodeError:
            raise TagError(f"the tag {word[:40]!r} is not valid text") from None
    joined = " ".join(dict.fromkeys(words))
    if len(joined) > MAX_LENGTH:
        raise TagError(f"at most {MAX_LENGTH} characters in all")
    return joined


def has_all(tags: str, wanted: Iterable[str]) -> bool:
    """Whether the normalised ``tags`` include every tag of ``wanted``."""
    present = set(tags.split())
    return all(tag in present for tag in wanted)


def _like_escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tags_filter(column: Any, wanted: Sequence[str]) -> ColumnElement[bool]:
    """SQL: the (normalised) ``column`` has every tag of ``wanted`` as a whole word.

    An empty tag matches nothing (Healthchecks' ``?tag=`` does the same).
    """
    padded = literal(" ") + column + literal(" ")
    conditions = []
    for tag in wanted:
        if not tag or tag != tag.strip() or " " in tag:
            return literal(False) == literal(True)
        conditions.append(padded.like(f"% {_like_escaped(tag)} %", escape="\\"))
    return and_(*conditions) if conditions else literal(True) == literal(True)
