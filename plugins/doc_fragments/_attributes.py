# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This doc fragment is private to the parallel.jobs collection. It may change at
# any time; do not use it from other collections.

from __future__ import annotations


class ModuleDocFragment:

    # The attributes every plugin of this collection declares, with what they
    # share (no diff mode, POSIX targets); each plugin states its check mode support.
    # ACTION adds what the three action plugins share, among them their action group
    # (meta/runtime.yml).
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
"""

    ACTION = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  action_group:
    description: Use C(group/parallel.jobs.async) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - parallel.jobs.async
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  bypass_host_loop:
    description: Forces a 'global' task that does not execute per host, this bypasses per host templating and serial,
      throttle and other loop considerations.
    support: none
"""


__all__ = ('ModuleDocFragment',)
