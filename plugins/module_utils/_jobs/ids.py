# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Job ids: the format ansible-core makes, validated before any file is touched."""

from __future__ import annotations

import os
import random
import re

from ansible_collections.parallel.jobs.plugins.module_utils._messages import describe_value

JID_MAX_LENGTH = 128

# Job ids as ansible-core makes them: "j<random>.<wrapper pid>", and
# "<random>.<pid>" from older releases. The part before the dot alone is what
# the controller hands to the wrapper.
# Mitogen's async tasks write core's job file layout under 16 hex digits ('%016x' of a 64-bit
# random number, so 17 when that number is 2**64).
_JID_RE = re.compile(r'\A(?:j?[0-9]+\.[0-9]+|[0-9a-f]{16,17})\Z')
_JID_BASE_RE = re.compile(r'\Aj?[0-9]+\Z')


class JobError(Exception):
    """A job id, job directory or job file that cannot be used as asked."""


def validate_jid(jid) -> str:
    """Return ``jid`` if it is a job id ansible-core could have made, else raise JobError."""
    if not isinstance(jid, str):
        raise JobError('invalid job id %s: a job id is a string, not %s' % (describe_value(jid), type(jid).__name__))
    if not jid:
        raise JobError('invalid job id %s: it is empty' % describe_value(jid))
    if len(jid) > JID_MAX_LENGTH:
        raise JobError('invalid job id %s: longer than %d characters' % (describe_value(jid), JID_MAX_LENGTH))
    if not _JID_RE.match(jid):
        raise JobError("invalid job id %s: expected 'j<digits>.<digits>', '<digits>.<digits>' or 16 hex digits (Mitogen)"
                       % describe_value(jid))
    return jid


def validate_jid_base(base) -> str:
    """Validate the id the controller passes to the wrapper (without the ``.<pid>`` part)."""
    if not isinstance(base, str) or not _JID_BASE_RE.match(base) or len(base) > JID_MAX_LENGTH - 12:
        raise JobError("invalid job id %s from the controller: expected 'j<digits>'" % describe_value(base))
    return base


def is_jid(name: str) -> bool:
    return len(name) <= JID_MAX_LENGTH and bool(_JID_RE.match(name))


def make_jid(base: str, pid: int) -> str:
    return validate_jid('%s.%d' % (validate_jid_base(base), pid))


def random_jid() -> str:
    """A job id in core's format for a job this process starts (async_start), before checking it is free."""
    return make_jid('j%d' % random.randint(0, 999999999999), os.getpid())


__all__ = ('JID_MAX_LENGTH', 'JobError', 'validate_jid', 'validate_jid_base', 'is_jid', 'make_jid',
           'random_jid')
