# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the target-side job model (``module_utils/_jobs/ids.py``)."""

from __future__ import annotations

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import (
    JID_MAX_LENGTH,
    JobError,
    is_jid,
    make_jid,
    validate_jid,
    validate_jid_base,
)

JID = 'j123.456'


# ---------------------------------------------------------------------------
# Job ids

LONGEST_JID = 'j' + '1' * (JID_MAX_LENGTH - 8) + '.' + '2' * 6

ACCEPTED_JIDS = [
    'j123.456',
    '123.456',
    'j0.0',
    LONGEST_JID,
    '0123456789abcdef',   # Mitogen's
    '10000000000000000',  # Mitogen's, for the random number 2**64
]

REFUSED_JIDS = [
    '..',
    '../x',
    '/etc/passwd',
    'j1/../../x',
    'j1.2/',
    '',
    'j1\x00.2',
    'j1.2\x00',
    'j' + '1' * JID_MAX_LENGTH + '.2',
    'j1',
    'j1.2.3',
    'J1.2',
    ' j1.2',
    'j1.2 ',
    'j1.2\n',
    'jj1.2',
    '0123456789abcde',
    '0123456789ABCDEF',
    '0123456789abcdefab',
    '0123456789abcdeg',
    'j\u0661.2',  # ARABIC-INDIC DIGIT ONE: a Unicode digit, not an ASCII one
]


@pytest.mark.parametrize('jid', ACCEPTED_JIDS)
def test_validate_jid_accepts(jid):
    assert len(LONGEST_JID) == JID_MAX_LENGTH
    assert validate_jid(jid) == jid
    assert is_jid(jid)


@pytest.mark.parametrize('jid', REFUSED_JIDS)
def test_validate_jid_refuses(jid):
    with pytest.raises(JobError) as info:
        validate_jid(jid)
    message = str(info.value)
    # The message names the bad id; a long one is shortened to 80 characters.
    assert repr(jid)[:77] in message
    assert not is_jid(jid)


def test_validate_jid_refuses_an_overlong_id_saying_so():
    jid = 'j' + '1' * JID_MAX_LENGTH + '.2'
    with pytest.raises(JobError, match='longer than %d characters' % JID_MAX_LENGTH):
        validate_jid(jid)


@pytest.mark.parametrize('jid', [5, None, 1.5, b'j1.2', ['j1.2']])
def test_validate_jid_refuses_non_strings(jid):
    with pytest.raises(JobError) as info:
        validate_jid(jid)
    assert type(jid).__name__ in str(info.value)


@pytest.mark.parametrize('base', ['j123', '123', 'j' + '9' * (JID_MAX_LENGTH - 13)])
def test_validate_jid_base_accepts(base):
    assert validate_jid_base(base) == base


@pytest.mark.parametrize('base', [
    '', 'j', 'j1.2', '../x', 'j1/x', 'J1', ' j1', 'j1\x00', 'j' + '9' * (JID_MAX_LENGTH - 12), 5, None,
])
def test_validate_jid_base_refuses(base):
    with pytest.raises(JobError) as info:
        validate_jid_base(base)
    assert repr(base)[:77] in str(info.value)


def test_make_jid():
    assert make_jid('j123', 456) == 'j123.456'
    assert make_jid('123', 7) == '123.7'
    # The longest base the controller may send still makes a legal id with a 7-digit pid.
    longest_base = 'j' + '9' * (JID_MAX_LENGTH - 13)
    assert validate_jid(make_jid(longest_base, 4194304))


@pytest.mark.parametrize('base', ['j1.2', '../j1', 'j1/x', ''])
def test_make_jid_refuses_a_bad_base(base):
    with pytest.raises(JobError):
        make_jid(base, 1)
