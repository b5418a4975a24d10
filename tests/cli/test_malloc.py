"""The lutlearn command raises glibc's mmap/trim thresholds; a user's own MALLOC_ settings are left alone."""

import os
import subprocess
import sys

import pytest

CODE = "from lutlearn.cli.malloc import keep_scratch_memory; print(keep_scratch_memory())"


def _run(env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")} | env
    return subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
                    reason="glibc only")
def test_set_on_glibc_unless_the_user_chose():
    assert _run({}) == "True\n"
    assert _run({"MALLOC_ARENA_MAX": "2"}) == "False\n"
