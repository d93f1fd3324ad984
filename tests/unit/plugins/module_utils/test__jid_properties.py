# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Property-based: no job id, however made, gets any mode of async_status to touch a file outside the job dir.

Each example runs every mode that takes job ids (status, cleanup with and
without force, kill, and a collecting read) in a job directory that sits among
decoy files and directories an id could try to reach (``../``, absolute paths,
NUL bytes, ``.`` and ``..``, names of real files). Whatever the id, either it
is refused by name before anything is touched, or it is a valid id and only
names a file inside the job directory; the decoys stay exactly as they were.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.parallel.jobs.plugins.module_utils._control import make_request, run_mode
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JID_MAX_LENGTH, JobError, validate_jid
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import job_path

DECOYS = ('victim', 'victim.stdout', 'j1.1', 'j1.1.stdout', '1234567890abcdef', 'sub/j2.2')
MODES = (
    {'mode': 'status'},
    {'mode': 'status', '_collect': True},
    {'mode': 'cleanup'},
    {'mode': 'cleanup', 'force': True},
    {'mode': 'kill'},
)

valid_ids = st.one_of(
    st.builds('j{}.{}'.format, st.integers(0, 10 ** 12), st.integers(0, 10 ** 7)),
    st.builds('{}.{}'.format, st.integers(0, 10 ** 12), st.integers(0, 10 ** 7)),
    st.integers(0, 2 ** 64 - 1).map('{:016x}'.format),
)
tricks = st.sampled_from(['', '.', '..', '/', '../', '/..', '\0', '\n', ' ', '*', '~', '%2e%2e', '\\', '..\\',
                          '/etc/passwd', '../victim', 'victim', 'sub/j2.2', '../outside/j1.1'])
job_ids = st.one_of(
    valid_ids,
    tricks,
    st.tuples(tricks, valid_ids, tricks).map(''.join),
    st.text(alphabet=st.characters(codec='utf-8'), max_size=JID_MAX_LENGTH + 20),
    st.text(alphabet='j0123456789abcdef./\0\n', max_size=40),
)


def _snapshot(root: str) -> dict:
    """Every path under ``root`` with its type, size, mode and mtime."""
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            found[os.path.relpath(path, root)] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


@pytest.fixture
def sandbox(tmp_path):
    """``tmp_path/outside`` holds the decoys, ``tmp_path/outside/jobs`` is the (empty, private) job dir."""
    outside = tmp_path / 'outside'
    for name in DECOYS:
        path = outside / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('decoy %s\n' % name)
    jobs = outside / 'jobs'
    jobs.mkdir(mode=0o700)
    (tmp_path / 'victim').write_text('above the sandbox\n')
    return str(tmp_path), str(jobs)


# derandomize: the same 300 examples on every run (a test that passes stays passing); database=None: no
# .hypothesis/ example store written into the checkout (it would end up in the built tarball).
@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(jid=job_ids, mode=st.sampled_from(MODES))
def test_no_job_id_touches_anything_outside_the_job_dir(sandbox, jid, mode):
    root, jobs = sandbox
    before = _snapshot(root)
    params = dict({'jid': None, 'jids': [jid], 'force': False, '_async_dir': jobs}, **mode)
    try:
        valid = validate_jid(jid)
    except JobError:
        valid = None
    try:
        result, _raw = run_mode(make_request(params))
    except JobError as exc:
        # Refused: by name, before any file is touched.
        assert valid is None
        assert 'invalid job id' in str(exc)
    else:
        assert valid == jid
        # A valid id names one file, inside the job dir, and no job of that id exists there.
        assert os.path.dirname(job_path(jobs, jid)) == jobs
        assert [entry['job_state'] for entry in result['jobs']] == ['not_found']
    assert _snapshot(root) == before
