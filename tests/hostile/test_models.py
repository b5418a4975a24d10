"""Hostile learned-model files (.npz) through ``bake``, ``apply --look``, ``looks add`` and ``suggest --looks``,
and hostile NIMA weights through ``score --weights``.

A pickle inside a model would run ``touch in/PWNED`` if it were ever unpickled:
``checks.unchanged`` then finds the new file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.hostile import checks, corpus
from tests.hostile.budgets import MODEL, REJECT_MB
from tests.hostile.harness import WEIGHTS, matrix, needs_weights
from tests.shared import require_path

PWN = b"cos\nsystem\n(S'touch in/PWNED'\ntR."  # protocol-0 pickle: os.system("touch in/PWNED")
DECLARED = r"declare|size|large|limit|shape|GiB|GB|MB|bytes"
SPEC = r"spec|architecture|hidden|JSON"


def _variant(change) -> bytes:
    arrays = corpus.model_arrays()
    change(arrays)
    return corpus.npz_of(arrays)


def _spec(text: str):
    def change(a):
        a["spec"] = np.array(text)
    return change


def _set(key, value):
    def change(a):
        a[key] = value
    return change


def _drop(key):
    def change(a):
        del a[key]
    return change


def _pickled_member() -> bytes:
    members = [corpus.Member(f"{k}.npy", corpus.npy_bytes(v)) for k, v in corpus.model_arrays().items()
               if k != "metadata"]
    members.append(corpus.Member("metadata.npy", corpus.npy_header("|O", ()) + PWN))
    return corpus.zip_bytes(members)


_DEEP = "[" * 100_000 + "]" * 100_000
_W0 = corpus.model_arrays()["w0"]

BAD_MODELS = {
    "zero_byte": (lambda: b"", MODEL),
    "junk": (lambda: np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes(), MODEL),
    "truncated_zip": (lambda: corpus.truncated(corpus.npz_of(corpus.model_arrays()), 0.6), MODEL),
    "raw_pickle_renamed": (lambda: PWN, r"pickle|" + MODEL),
    "pickled_member": (_pickled_member, r"pickle|object|" + MODEL),
    "no_format_member": (lambda: _variant(_drop("format")), r"format|" + MODEL),
    "wrong_format": (lambda: _variant(_set("format", np.array("evil-model/9"))), r"format"),
    "spec_json_list": (lambda: _variant(_spec("[32]")), SPEC),
    "spec_bare_number": (lambda: _variant(_spec("5")), SPEC),
    "spec_string": (lambda: _variant(_spec('"abc"')), SPEC),
    "spec_null": (lambda: _variant(_spec("null")), SPEC),
    "spec_not_json": (lambda: _variant(_spec("{")), SPEC),
    "spec_hidden_text": (lambda: _variant(_spec(json.dumps({**corpus.SPEC, "hidden": "abc"}))), SPEC),
    "spec_hidden_nested": (lambda: _variant(_spec(json.dumps({**corpus.SPEC, "hidden": [[8]]}))), SPEC),
    "spec_hidden_float": (lambda: _variant(_spec(json.dumps({**corpus.SPEC, "hidden": [8.5]}))), SPEC + "|shape"),
    "spec_deeply_nested": (lambda: _variant(_spec(_DEEP)), SPEC + "|nest|deep"),
    "metadata_deeply_nested": (lambda: _variant(_set("metadata", np.array(_DEEP))), r"metadata|JSON|nest|deep"),
    "spec_as_2d_array": (lambda: _variant(_set("spec", np.array([["a", "b"]]))), SPEC),
    "complex_weights": (lambda: _variant(_set("w0", _W0.astype(np.complex64) + 1j)), r"complex|dtype|real|w0|layer"),
    "text_weights": (lambda: _variant(_set("w0", np.full((3, 8), "x"))), r"dtype|number|w0|layer|" + MODEL),
    "nan_weights": (lambda: _variant(_set("w0", np.full((3, 8), np.nan, np.float32))), r"finite|nan"),
    "wrong_shape": (lambda: _variant(_set("w0", np.zeros((3, 9), np.float32))), r"shape"),
    "missing_layer": (lambda: _variant(_drop("w1")), r"w1|missing|" + MODEL),
    "lattice_missing": (lambda: _variant(_spec(json.dumps({**corpus.SPEC, "lattice": 3}))), r"lattice|" + MODEL),
    "declares_2gib_w0": (lambda: corpus.npz_declaring("w0", 2 << 30), DECLARED),
    "declares_2gib_spec": (lambda: corpus.npz_declaring("spec", 2 << 30, kind="text"), DECLARED),
    "declares_2gib_format": (lambda: corpus.npz_declaring("format", 2 << 30, kind="text"), DECLARED),
}
MEMORY_CASES = {k for k in BAD_MODELS if k.startswith("declares_")}
KILL_MB = 1200  # these runs must stay under 200 MB; past this the harness kills them


BAKE_FAST = ["raw_pickle_renamed", "pickled_member", "spec_json_list", "spec_bare_number", "spec_deeply_nested",
             "complex_weights", "declares_2gib_w0", "declares_2gib_spec"]


def _model(ws, kind: str) -> tuple[str, str]:
    make, problem = BAD_MODELS[kind]
    return ws.put(f"{kind}.npz", make()), problem


@pytest.mark.cmd("bake")
@pytest.mark.parametrize("kind", matrix(list(BAD_MODELS), BAKE_FAST))
def test_bake(ws, kind):
    model, problem = _model(ws, kind)
    before = ws.snap()
    r = ws.run("bake", model, "-o", "out/look.cube", "-o", "out/look.png", rss_kill_mb=KILL_MB)
    checks.one_error(r, model, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["bake"])


APPLY_FAST = ["declares_2gib_w0"]


@pytest.mark.cmd("apply")
@pytest.mark.parametrize("kind", matrix(list(BAD_MODELS), APPLY_FAST))
def test_apply_look(ws, kind):
    model, problem = _model(ws, kind)
    photo = ws.photo()
    before = ws.snap()
    r = ws.run("apply", photo, "--look", model, "-o", "out/result.png", rss_kill_mb=KILL_MB)
    checks.one_error(r, model, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["apply"])


LOOKS_ADD = ["junk", "pickled_member", "spec_json_list", "spec_deeply_nested", "complex_weights", "declares_2gib_w0"]


@pytest.mark.cmd("looks")
@pytest.mark.parametrize("kind", matrix(LOOKS_ADD, ["spec_json_list"]))
def test_looks_add(ws, kind):
    model, problem = _model(ws, kind)
    before = ws.snap()
    r = ws.run("looks", "add", "hostile", model, rss_kill_mb=KILL_MB)
    checks.one_error(r, model, problem)
    checks.unchanged(before, ws.snap())
    checks.rss_at_most(r, REJECT_MB["looks"])


@needs_weights
@pytest.mark.cmd("suggest")
@pytest.mark.parametrize("kind", matrix(["spec_bare_number", "declares_2gib_w0"], ["spec_bare_number"]))
def test_suggest_skips_bad_model_with_one_warning(ws, kind):
    model, problem = _model(ws, kind)
    photo, look = ws.photo(), ws.look()
    r = ws.run("suggest", photo, "--looks", f"{model},{look}", "--strengths", "1", rss_kill_mb=KILL_MB)
    checks.one_warning(r, model, problem)
    checks.rss_at_most(r, REJECT_MB["suggest"])


@pytest.mark.cmd("bake")
def test_bake_good_model_works(ws):
    model = ws.model()
    r = ws.run("bake", model, "-o", "out/look.cube", "--size", "9")
    checks.ok_quiet(r)
    assert (ws.out / "look.cube").read_text().count("\n") > 9 ** 3


@pytest.mark.slow
@pytest.mark.cmd("bake")
def test_bake_output_is_the_model(ws):
    model = ws.model()
    before = ws.snap()
    r = ws.run("bake", model, "-o", model.replace(".npz", ".cube"), "-o", model)
    assert r.rc in (1, 2)
    checks.no_traceback(r)
    checks.unchanged(before, ws.snap())


# --------------------------------------------------------------------------- NIMA weights

@pytest.mark.cmd("score")
@pytest.mark.parametrize("kind", matrix(["junk", "truncated", "empty"], ["truncated"]))
def test_score_bad_weights(ws, kind):
    if kind == "truncated":
        require_path(Path(WEIGHTS))
    data = {"junk": lambda: b"\x89HDF\r\n\x1a\n" + bytes(5000), "empty": lambda: b"",
            "truncated": lambda: open(WEIGHTS, "rb").read(1 << 20)}[kind]()
    weights = ws.put(f"{kind}.hdf5", data)
    photo = ws.photo()
    before = ws.snap()
    r = ws.run("score", photo, "--weights", weights)
    checks.one_error(r, weights, r"sha256|checksum|hash|weights|corrupt")
    checks.unchanged(before, ws.snap())
