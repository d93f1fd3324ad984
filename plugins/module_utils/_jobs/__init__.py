# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This package is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""The job model: the only code that knows what a job is on the target.

- ``ids``: job ids, their format and validation.
- ``store``: the job directory and the files in it (paths, atomic writes, no-follow reads, listing, removal).
- ``liveness``: whether a recorded process still runs, and the host's boot id.
- ``records``: what a job file holds (records written at start, while running and at the end), reading one
  and telling the job's state, and the entry a status read returns.

Target side: standard library only, Python 3.8+.
"""

from __future__ import annotations

__all__ = ()
