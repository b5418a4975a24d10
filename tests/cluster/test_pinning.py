"""One worker process, num_cpus cores: claims are exclusive while their process lives."""

import os
import subprocess
import sys
import textwrap

import pytest

from lutlearn.cluster.pinning import claim_cores

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 cores")

CHILD = textwrap.dedent("""
    import os, sys, time
    from lutlearn.cluster.pinning import claim_cores
    claim = claim_cores(1, sys.argv[1])
    print(claim.cores if claim else None, sorted(os.sched_getaffinity(0)), flush=True)
    time.sleep(float(sys.argv[2]))
""")


def _child(lock_dir, hold):
    return subprocess.Popen([sys.executable, "-c", CHILD, str(lock_dir), str(hold)], stdout=subprocess.PIPE, text=True)


def test_two_workers_get_different_cores_and_a_third_is_left_alone(tmp_path):
    first, second = _child(tmp_path, 3), _child(tmp_path, 3)
    lines = [first.stdout.readline().split(" [")[0], second.stdout.readline().split(" [")[0]]
    third = _child(tmp_path, 0).communicate()[0]
    first.wait(), second.wait()
    assert sorted(lines) == ["[0]", "[1]"]
    assert third.startswith("None")  # every core taken: left unpinned
    after = _child(tmp_path, 0).communicate()[0]  # the holders died: their cores are free again
    assert after.startswith("[0]") and after.strip().endswith("[0]")


def test_asking_for_every_core_pins_nothing(tmp_path):
    assert claim_cores(len(os.sched_getaffinity(0)), tmp_path) is None
