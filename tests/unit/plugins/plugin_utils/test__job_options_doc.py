# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""async_start's documented job options are the ones ``JOB_OPTIONS`` defines, with the same types."""

from __future__ import annotations

import yaml
from ansible_collections.parallel.jobs.plugins.modules import async_start
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_specs import JOB_OPTIONS, STEP_OPTIONS


def _check(documented: dict, options: dict) -> None:
    assert set(documented) == set(options)
    for name, spec in options.items():
        doc = documented[name]
        assert doc.get('type', 'str') == spec['type'], name
        assert doc.get('elements') == spec.get('elements'), name
        assert bool(doc.get('required')) == bool(spec.get('required')), name
        if spec.get('default') not in (None, {}):
            assert doc.get('default') == spec['default'], name


def test_the_documented_suboptions_match_the_validated_options():
    documented = yaml.safe_load(async_start.DOCUMENTATION)['options']['jobs']['suboptions']
    _check(documented, JOB_OPTIONS)
    _check(documented['steps']['suboptions'], STEP_OPTIONS)
