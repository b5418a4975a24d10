"""JSON objects from untrusted files: deep nesting, wrong types and junk are one LutlearnError line."""

import pytest

from lutlearn.errors import ModelFileError
from lutlearn.safejson import load_object


@pytest.mark.parametrize("text, says", [("[32]", "a list"), ("5", "a number"), ('"abc"', "a string"),
                                        ("null", "null"), ("{", "not valid JSON"), ("NaN", "not valid JSON"),
                                        ("[" * 100000 + "]" * 100000, "nested deeper"),
                                        (" " * (2 << 20) + "{}", "characters of JSON")])
def test_load_object_refuses(text, says):
    with pytest.raises(ModelFileError, match=says) as info:
        load_object(text, "m.npz: spec", error=ModelFileError)
    assert str(info.value).startswith("m.npz: spec: ")


def test_deep_nesting_inside_a_string_is_fine():
    assert load_object('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', "x") == {"a": "[" * 40}
    assert load_object('{"a": "\\\\", "b": [[1]]}', "x") == {"a": "\\", "b": [[1]]}
