"""What every hostile case asserts: exit status, one line on stderr, no traceback, nothing half-done.

stderr is read line by line. Progress lines (tqdm's ``apply:  25%|##   | 3/12 ...``,
``fit (jax): ...``, ``scoring: ...``, ``suggest: ...``) and stage logs (``paired ...``, ``wrote ...``,
``note: ...``, ``sheet: ...``, ``timings ...``) are the CLI's normal chatter and are
set aside; every other line is *significant*. A failing case must leave exactly one
significant line: ``error: FILE: problem`` (lowercase, as the CLI's one error path
prints it), naming the file, short and printable. A case that succeeds with a caveat leaves exactly one
``warning:`` line naming the file.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from tests.hostile.runner import Run

# tqdm's lines (lutlearn.progress): "apply:  25%|###     | 1/4 [00:00<00:01, 2.3photo/s]"
PROGRESS = re.compile(r"^(apply|suggest|scoring|fit \((?:jax|sklearn)\)|download[\w ]*):\s+\d+%\|")
LOGS = re.compile(r"^(paired \d+ pixels|after image is a 4:2:0 JPEG|wrote .* \(the built-in|note: |sheet: "
                  r"|timings \(s\))")
ERROR = re.compile(r"^error: ")
WARNING = re.compile(r"^warning: ")
TMP = re.compile(r"^\..+\.tmp$")
MAX_LINE = 300


def significant(stderr: str) -> list[str]:
    lines = [line.rstrip() for line in stderr.replace("\r", "\n").splitlines()]
    return [line for line in lines if line.strip() and not PROGRESS.match(line) and not LOGS.match(line)]


def _names(line: str, name) -> bool:
    if name is None:
        return True
    name = str(name)
    return name in line or os.path.basename(name.rstrip("/")) in line


def _printable(line: str) -> str | None:
    if len(line) > MAX_LINE:
        return f"line is {len(line)} characters long (at most {MAX_LINE})"
    bad = [c for c in line if (ord(c) < 0x20 and c != "\t") or c in "\ufffd\x7f"]
    if bad:
        return f"line holds {len(bad)} control or undecodable characters"
    return None


def no_traceback(run: Run) -> None:
    for stream in (run.stderr, run.stdout):
        assert "Traceback (most recent call last)" not in stream, "traceback:\n" + run.describe()
    assert run.killed is None, f"killed by the harness ({run.killed}):\n" + run.describe()


def one_error(run: Run, name=None, problem: str | None = None, rc: int | tuple = 1) -> str:
    """The run failed cleanly: exit ``rc``, no traceback, exactly one significant stderr line,
    ``error: ...`` naming ``name`` and matching ``problem`` (a regex, case-insensitive)."""
    no_traceback(run)
    rcs = rc if isinstance(rc, tuple) else (rc,)
    assert run.rc in rcs, f"exit status {run.rc}, expected {rc}:\n" + run.describe()
    lines = significant(run.stderr)
    assert len(lines) == 1, f"{len(lines)} significant stderr lines, expected exactly 1:\n" + run.describe()
    line = lines[0]
    assert ERROR.match(line), f"stderr line does not start with 'error:': {line!r}"
    assert _names(line, name), f"stderr line does not name {name}: {line!r}"
    if problem:
        assert re.search(problem, line, re.IGNORECASE), f"stderr line does not say /{problem}/: {line!r}"
    msg = _printable(line)
    assert msg is None, f"{msg}: {line[:400]!r}"
    return line


def usage_error(run: Run, name=None, problem: str | None = None) -> None:
    """Bad usage: exit 2 and exactly one ``error: ...`` line naming ``name`` (usage text allowed around it)."""
    no_traceback(run)
    assert run.rc == 2, f"exit status {run.rc}, expected 2 (usage):\n" + run.describe()
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if ERROR.match(line)]
    assert len(errors) == 1, "expected one error: line:\n" + run.describe()
    assert _names(errors[0], name), f"does not name {name}: {errors[0]!r}"
    if problem:
        assert re.search(problem, errors[0], re.IGNORECASE), f"does not say /{problem}/: {errors[0]!r}"


def ok(run: Run) -> list[str]:
    """Success: exit 0, no traceback; returns the significant stderr lines."""
    no_traceback(run)
    assert run.rc == 0, f"exit status {run.rc}, expected 0:\n" + run.describe()
    return significant(run.stderr)


def ok_quiet(run: Run) -> None:
    lines = ok(run)
    assert not lines, f"unexpected stderr lines {lines}:\n" + run.describe()


def one_warning(run: Run, name=None, problem: str | None = None) -> str:
    """Success with a caveat: exit 0 and exactly one ``warning:`` line naming ``name``."""
    lines = ok(run)
    assert len(lines) == 1 and WARNING.match(lines[0]), "expected exactly one 'warning:' line:\n" + run.describe()
    assert _names(lines[0], name), f"warning does not name {name}: {lines[0]!r}"
    if problem:
        assert re.search(problem, lines[0], re.IGNORECASE), f"warning does not say /{problem}/: {lines[0]!r}"
    msg = _printable(lines[0])
    assert msg is None, msg
    return lines[0]


def batch_failed(run: Run, failed: dict, written: int, total: int) -> None:
    """A batch where the files in ``failed`` ({name: problem regex}) failed and ``written`` were done:
    exit 1, one error line per failed file, plus one summary line saying ``written`` of ``total``."""
    no_traceback(run)
    assert run.rc == 1, f"exit status {run.rc}, expected 1:\n" + run.describe()
    lines = significant(run.stderr)
    summary = [line for line in lines if re.search(rf"\b{written} of {total}\b", line)]
    assert len(summary) == 1, f"expected one summary line saying '{written} of {total}':\n" + run.describe()
    rest = [line for line in lines if line not in summary]
    assert len(rest) == len(failed), f"expected {len(failed)} error lines besides the summary:\n" + run.describe()
    for name, problem in failed.items():
        hits = [line for line in rest if _names(line, name) and ERROR.match(line)]
        assert len(hits) == 1, f"expected one 'error:' line naming {name}:\n" + run.describe()
        if problem:
            assert re.search(problem, hits[0], re.IGNORECASE), f"does not say /{problem}/: {hits[0]!r}"
        assert _printable(hits[0]) is None, _printable(hits[0])


def no_training(run: Run) -> None:
    """Preflight: the run failed before any training (no epoch progress, no pairing log)."""
    lines = run.stderr.splitlines()
    started = [line for line in lines if line.startswith("fit (") or line.startswith("paired ")]
    assert not started, f"training began before the failure ({len(started)} lines):\n" + run.describe()


def rss_at_most(run: Run, mb: float) -> None:
    assert run.peak_rss_mb <= mb, f"peak RSS {run.peak_rss_mb:.0f} MB > {mb:.0f} MB:\n" + run.describe()


# --------------------------------------------------------------------------- files

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot(*roots) -> dict:
    """{path: sha256 | "<dir>" | "<link>"} of everything under ``roots`` (inputs, outputs, data folder)."""
    state = {}
    for root in roots:
        root = Path(root)
        if not root.exists() and not root.is_symlink():
            continue
        state[str(root)] = "<dir>" if root.is_dir() else _sha256(root)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                for d in dirnames:
                    state[os.path.join(dirpath, d)] = "<dir>"
                for f in filenames:
                    p = Path(dirpath, f)
                    state[str(p)] = "<link>" if p.is_symlink() else _sha256(p)
    return state


def unchanged(before: dict, after: dict, *, allow_new: tuple = (), allow_empty_dirs: tuple = ()) -> None:
    """Nothing changed: inputs have the same hashes, no file appeared or vanished, no hidden .tmp.

    Args:
        allow_new: paths allowed to appear (the outputs of a run that succeeded).
        allow_empty_dirs: folders allowed to appear empty (an --out-dir the command made).
    """
    allow = {str(p) for p in allow_new}
    tmps = [p for p in after if TMP.match(os.path.basename(p))]
    assert not tmps, f"temporary files left behind: {tmps}"
    changed = sorted(p for p in before if p in after and before[p] != after[p])
    assert not changed, f"inputs changed: {changed}"
    vanished = sorted(p for p in before if p not in after)
    assert not vanished, f"files vanished: {vanished}"
    new = sorted(p for p in after if p not in before and p not in allow)
    empty = {str(p) for p in allow_empty_dirs}
    new = [p for p in new
           if not (p in empty and after[p] == "<dir>" and not any(q.startswith(p + os.sep) for q in new if q != p))]
    assert not new, f"files left behind: {new}"


def tmp_files(*roots) -> list[str]:
    found = []
    for root in roots:
        for dirpath, _, filenames in os.walk(root):
            found += [os.path.join(dirpath, f) for f in filenames if TMP.match(f)]
    return found
