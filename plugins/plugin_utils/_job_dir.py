# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side: which job directory an action plugin asks the target about."""

from __future__ import annotations

from ansible_collections.parallel.jobs.plugins.module_utils._jobs import JOB_DIR_DEFAULT


def raw_job_dir(action) -> str:
    """The ``async_dir`` shell option as configured, with ``~`` left for the target to expand.

    The wrapper receives it unexpanded too (as ANSIBLE_ASYNC_DIR) and expands
    it as the user the job runs as; the module does the same, so both name the
    same directory under become and delegate_to, at no extra round trip.
    """
    return action.get_shell_option('async_dir', default=JOB_DIR_DEFAULT)


__all__ = ('raw_job_dir',)
