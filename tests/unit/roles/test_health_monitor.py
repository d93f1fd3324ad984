# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the monitors' verdict logic (roles/monitor/files/health_monitor.py), with a fake clock."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'roles' / 'monitor' / 'files'))

import health_monitor  # noqa: E402


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def run_checks(outcomes, **settings):
    """Run watch() with checks answering ``outcomes`` in turn; return (exit code, printed lines, checks made)."""
    clock = FakeClock()
    answers = iter(outcomes)
    made = []

    def check(_settings):
        made.append(clock.now)
        return next(answers)

    config = dict(health_monitor.COMMON, window=30.0, interval=10.0, failures=3)
    config.update(settings)
    out = io.StringIO()
    code = health_monitor.watch(config, check, now=clock.monotonic, sleep=clock.sleep, clock=lambda _f: '12:00:00',
                                out=out)
    return code, out.getvalue().splitlines(), made


def test_a_healthy_window_exits_zero_after_checking_from_start_to_end():
    code, lines, made = run_checks([(True, 'HTTP 200')] * 4)
    assert code == 0
    assert made == [0.0, 10.0, 20.0, 30.0]
    assert lines[-1] == 'HEALTHY: all 4 checks over 30 s passed'
    assert lines[0] == '12:00:00 +  0.0s ok   HTTP 200'


def test_a_sustained_failure_ends_the_monitor_at_once_saying_what_and_since_when():
    code, lines, made = run_checks([(True, 'ok'), (False, 'HTTP 503'), (False, 'HTTP 503'), (False, 'no answer')],
                                   window=300.0)
    assert code == 1
    assert len(made) == 4  # it did not wait for the rest of the 300 s window
    assert lines[-1] == 'UNHEALTHY: 3 checks in a row failed since 12:00:00 (+10.0s): no answer'


def test_a_passing_check_resets_the_failure_streak():
    code, _lines, _made = run_checks([(False, 'x'), (False, 'x'), (True, 'ok'), (False, 'x')], failures=3)
    # The window ends on a failure: not healthy, even though no streak reached 3.
    assert code == 1


def test_one_failure_is_tolerated_when_the_window_ends_healthy():
    code, lines, _made = run_checks([(True, 'ok'), (False, 'blip'), (True, 'ok'), (True, 'ok')])
    assert code == 0 and lines[-1].startswith('HEALTHY')


def test_settings_come_from_the_json_beside_the_script_and_options_override(tmp_path):
    script = tmp_path / 'monitor_webapp.py'
    (tmp_path / 'monitor_webapp.json').write_text(json.dumps({'url': 'http://127.0.0.1:9/', 'window': 60}))
    settings = health_monitor.load_settings('webapp', str(script), ['--window', '5', '--interval', '1'])
    assert settings['url'] == 'http://127.0.0.1:9/'
    assert (settings['window'], settings['interval']) == (5.0, 1.0)
    assert settings['expect'] == 'Inventory'


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        health_monitor.load_settings('webapp', str(tmp_path / 'monitor_webapp.py'), ['--interval', '0'])


def test_the_webapp_check_reports_an_unreachable_page():
    ok, what = health_monitor.check_webapp(dict(health_monitor.DEFAULTS['webapp'], url='http://127.0.0.1:9/',
                                                timeout=1.0))
    assert ok is False and what.startswith('no answer from http://127.0.0.1:9/')
