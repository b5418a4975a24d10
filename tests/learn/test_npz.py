"""SafeNpz and load_model: every size checked before anything is inflated; pickles never run; one line per problem."""

import json
import tracemalloc

import numpy as np
import pytest

from lutlearn.errors import ModelFileError
from lutlearn.learn.modelfile import load_model, parse_spec
from lutlearn.learn.npz import SafeNpz
from tests.hostile import corpus

PWN = b"cos\nsystem\n(S'touch PWNED'\ntR."  # protocol-0 pickle: os.system("touch PWNED")
DEEP = "[" * 100_000 + "]" * 100_000


def _write(tmp_path, data, name="m.npz"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _variant(**changes):
    arrays = corpus.model_arrays()
    for k, v in changes.items():
        if v is None:
            del arrays[k]
        else:
            arrays[k] = v
    return corpus.npz_of(arrays)


def test_a_valid_model_loads_like_np_load(tmp_path):
    p = _write(tmp_path, corpus.npz_of(corpus.model_arrays()))
    model = load_model(p)
    with np.load(p) as z:
        np.testing.assert_array_equal(model.params["w"][0], z["w0"])
        np.testing.assert_array_equal(model.params["b"][1], z["b1"])
    assert model.spec.hidden == (8,) and model.metadata["name"] == "hostile"


def test_numpy_savez_compressed_files_load(tmp_path):
    np.savez_compressed(tmp_path / "m.npz", **corpus.model_arrays())
    assert load_model(tmp_path / "m.npz").params["w"][0].shape == (3, 8)


@pytest.mark.parametrize("member", ["w0", "spec", "format"])
def test_2gib_declared_is_refused_before_decompressing(tmp_path, member):
    p = _write(tmp_path, corpus.npz_declaring(member, 2 << 30, kind="float" if member == "w0" else "text"))
    assert p.stat().st_size < 3 << 20
    tracemalloc.start()
    with pytest.raises(ModelFileError, match=r"declares 2\.0 GiB .*the limit is .*LUTLEARN_MAX_MODEL_BYTES") as info:
        load_model(p)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 << 20, f"peak {peak / 1e6:.1f} MB"
    assert str(info.value).startswith(str(p))


def test_many_layers_within_the_limit_each_but_not_together(tmp_path):
    """Seven 4096x4096 layers: 64 MiB each (under the limit), 448 MiB in all: refused before any is inflated."""
    spec = {"hidden": [4096] * 8, "hidden_activation": "sigmoid", "output_activation": "relu", "lattice": 0}
    arrays = {"format": np.array("lutlearn-model/1"), "spec": np.array(json.dumps(spec)), "metadata": np.array("{}")}
    members = [corpus.Member(f"{k}.npy", corpus.npy_bytes(v)) for k, v in arrays.items()]
    sizes = (3, *spec["hidden"], 3)
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        head = corpus.npy_header("<f4", (a, b))
        members.append(corpus.Member.inflating(f"w{i}.npy", head, bytes(a * 4), b))  # a*b*4 bytes of zeros
        members.append(corpus.Member(f"b{i}.npy", corpus.npy_bytes(np.zeros(b, np.float32))))
    p = _write(tmp_path, corpus.zip_bytes(members))
    assert p.stat().st_size < 2 << 20
    tracemalloc.start()
    with pytest.raises(ModelFileError, match=r"its arrays declare 448\.\d MiB in all; the limit is 256\.0 MiB"):
        load_model(p)
    assert tracemalloc.get_traced_memory()[1] < 20 << 20
    tracemalloc.stop()


def test_member_declaring_more_than_the_zip_holds(tmp_path):
    """A header saying (3, 1000) float32 in a member whose zip size says 300 bytes: refused, not allocated."""
    head = corpus.npy_header("<f4", (3, 1000))
    members = [corpus.Member(f"{k}.npy", corpus.npy_bytes(v)) for k, v in corpus.model_arrays().items() if k != "w0"]
    members.append(corpus.Member("w0.npy", head + bytes(300)))
    p = _write(tmp_path, corpus.zip_bytes(members))
    with SafeNpz(p) as z, pytest.raises(ModelFileError, match="holds"):
        z.array("w0")


def test_pickles_are_refused_and_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    members = [corpus.Member(f"{k}.npy", corpus.npy_bytes(v)) for k, v in corpus.model_arrays().items()
               if k != "metadata"]
    members.append(corpus.Member("metadata.npy", corpus.npy_header("|O", ()) + PWN))
    with pytest.raises(ModelFileError, match="pickled"):
        load_model(_write(tmp_path, corpus.zip_bytes(members)))
    with pytest.raises(ModelFileError, match="not an .npz archive"):
        load_model(_write(tmp_path, PWN, "raw.npz"))
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("changes, says", [
    ({"w0": corpus.model_arrays()["w0"].astype(np.complex64)}, "complex"),
    ({"w0": np.full((3, 8), "x")}, "text"),
    ({"w0": np.ones((3, 8), bool)}, "boolean"),
    ({"w0": np.zeros((3, 9), np.float32)}, "shape"),
    ({"w0": np.full((3, 8), np.nan, np.float32)}, "NaN"),
    ({"w1": None}, "no member 'w1'"),
    ({"format": None}, "format none"),
    ({"format": np.array("evil/9")}, "format 'evil/9'"),
    ({"spec": np.array("[32]")}, "spec: expected a JSON object, got a list"),
    ({"spec": np.array("5")}, "got a number"),
    ({"spec": np.array([["a", "b"]])}, "should be text"),
    ({"spec": np.array(DEEP)}, "nested deeper"),
    ({"metadata": np.array(DEEP)}, "metadata: JSON nested"),
])
def test_bad_models_one_line_each(tmp_path, changes, says):
    p = _write(tmp_path, _variant(**changes))
    with pytest.raises(ModelFileError, match=says) as info:
        load_model(p)
    message = str(info.value)
    assert message.startswith(str(p)) and "\n" not in message and len(message) < 300


@pytest.mark.parametrize("data, says", [(b"", "not an .npz archive"), (b"junk" * 100, "not an .npz archive"),
                                        (None, "not an .npz archive|damaged|not a readable")])
def test_not_zips(tmp_path, data, says):
    data = corpus.truncated(corpus.npz_of(corpus.model_arrays()), 0.6) if data is None else data
    with pytest.raises(ModelFileError, match=says):
        load_model(_write(tmp_path, data))


def test_fortran_order_arrays_are_read_in_order(tmp_path):
    w0 = np.asfortranarray(corpus.model_arrays()["w0"])
    np.testing.assert_array_equal(load_model(_write(tmp_path, _variant(w0=w0))).params["w"][0], w0)


def test_the_limit_is_configurable(tmp_path, monkeypatch):
    p = _write(tmp_path, corpus.npz_of(corpus.model_arrays()))
    monkeypatch.setenv("LUTLEARN_MAX_MODEL_BYTES", "64")
    with pytest.raises(ModelFileError, match="the limit is"):
        load_model(p)


SPEC = {"hidden": [32], "hidden_activation": "sigmoid", "output_activation": "relu", "lattice": 0}


@pytest.mark.parametrize("change, says", [
    ({"hidden": "abc"}, "'hidden' must be a list"), ({"hidden": [[8]]}, "hidden width"),
    ({"hidden": [8.5]}, "hidden width"), ({"hidden": [0]}, "hidden width"), ({"hidden": [10 ** 10]}, "hidden width"),
    ({"hidden": [True]}, "hidden width"), ({"hidden": []}, "'hidden' must be a list"),
    ({"hidden_activation": 5}, "hidden_activation"), ({"output_activation": "sigmoid"}, "output_activation"),
    ({"lattice": 1e12}, "lattice"), ({"lattice": 1}, "lattice"), ({"lattice": "33"}, "lattice")])
def test_parse_spec_checks_every_field(change, says):
    with pytest.raises(ModelFileError, match=says) as info:
        parse_spec(json.dumps({**SPEC, **change}), "m.npz")
    assert str(info.value).startswith("m.npz: spec")


def test_parse_spec_ok():
    spec = parse_spec(json.dumps({**SPEC, "lattice": 17}), "m")
    assert spec.hidden == (32,) and spec.lattice == 17 and spec.output_activation == "relu"
