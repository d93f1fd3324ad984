# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Make this checkout importable as ``ansible_collections.parallel.jobs`` for unit tests."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_TREE = Path(tempfile.mkdtemp(prefix='pj-unit-'))
(_TREE / 'ansible_collections' / 'parallel').mkdir(parents=True)
os.symlink(_ROOT, _TREE / 'ansible_collections' / 'parallel' / 'jobs')
sys.path.insert(0, str(_TREE))
