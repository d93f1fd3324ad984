# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""How messages name what they refuse: shortened values and list entries (``jobs[3] 'backup'``).

Shared by the target side and the controller so both say it the same way.
"""

from __future__ import annotations


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with '...'."""
    return text if len(text) <= limit else text[:limit - 3] + '...'


def describe_value(value, limit: int = 80) -> str:
    """``repr(value)`` shortened, for messages that name what they refuse."""
    return shorten(repr(value), limit)


def entry_label(index: int, name=None, option: str = 'jobs') -> str:
    """``jobs[3] 'backup'``, or ``jobs[3]`` when the entry has no usable name."""
    if isinstance(name, str) and name:
        return '%s[%d] %r' % (option, index, str(name))
    return '%s[%d]' % (option, index)


def first_line(text, limit: int = 200) -> str:
    """The first line of ``text``, shortened: a one-line reason."""
    text = str(text).strip()
    return shorten(text.splitlines()[0], limit) if text else ''


__all__ = ('shorten', 'describe_value', 'entry_label', 'first_line')
