# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The floor's arithmetic (benchmarks/floors.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import floors  # noqa: E402


def test_busy_cpu_leaves_out_idle_and_iowait():
    ticks = os.sysconf('SC_CLK_TCK')
    # user nice system idle iowait irq softirq steal guest guest_nice
    fields = (10, 1, 5, 900, 7, 1, 2, 1)
    line = 'cpu  ' + ' '.join(str(value * ticks) for value in fields) + ' 0 0'
    assert floors.cpu_busy_seconds(line) == pytest.approx(20.0)


def test_busy_cpu_of_this_machine_grows():
    before = floors.cpu_busy_seconds()
    sum(range(3_000_000))
    assert floors.cpu_busy_seconds() >= before


def test_slope_is_the_cost_per_host_without_the_fixed_cost():
    # 1.5 s of start-up, 0.2 s per host
    assert floors.slope({1: 1.7, 20: 5.5, 100: 21.5}) == pytest.approx(0.2)


def test_slope_needs_two_host_counts():
    with pytest.raises(ValueError, match='two host counts'):
        floors.slope({20: 4.0})


def test_floor_adds_the_longest_job_a_connect_and_the_cpu_spread_over_the_cores():
    assert floors.floor_seconds(2.0, 0.1, 20, 0.2, 2) == pytest.approx(4.1)
    assert floors.floor_seconds(2.0, 0.1, 1, 0.2, 2) == pytest.approx(2.2)
