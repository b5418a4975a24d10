"""A .cube written by `lutlearn fit` opens in ffmpeg, OpenColorIO and colour-science,
and their output on a real photo agrees with the learned model."""

import numpy as np
import pytest

from lutlearn.images import read_image
from lutlearn.luts import read_lut, write_lut
from tests.consumers import ffmpeg_lut3d, ocio_apply
from tests.shared import PHOTOS


@pytest.fixture(scope="module")
def exported(darkroom_model, tmp_path_factory):
    model = darkroom_model.model
    cube = write_lut(model.bake(33, title="darkroom"), tmp_path_factory.mktemp("cube") / "darkroom.cube")
    photo = read_image(PHOTOS / "kodim23.png").rgb
    codes = np.rint(photo * 255).astype(np.uint8)
    direct = model.apply(codes / np.float32(255))  # the model itself, no interpolation
    ours = read_lut(cube).apply(codes / np.float32(255))  # the same cube, our tetrahedral kernel
    # Where a 33³ lattice can represent the model to within half a code, any consumer must land within 1 code.
    fine = (np.abs(ours - direct) * 255 <= 0.5).all(axis=-1)
    assert fine.mean() > 0.99
    return cube, codes, direct, ours, fine


def test_ffmpeg_lut3d_agrees_with_the_model(exported):
    cube, codes, direct, ours, fine = exported
    as_float = ffmpeg_lut3d(cube, codes, "tetrahedral", float_output=True)
    assert np.abs(as_float - ours).max() < 1e-4  # same tetrahedral arithmetic
    as_codes = ffmpeg_lut3d(cube, codes, "tetrahedral").astype(np.float32)
    model_codes = np.rint(np.clip(direct, 0, 1) * 255)  # what the model writes as an 8-bit image
    assert np.abs(as_codes - model_codes)[fine].max() <= 1.0  # ffmpeg's rgb24 output truncates: within 1 code


def test_opencolorio_file_transform_agrees_with_the_model(exported):
    cube, codes, direct, ours, fine = exported
    out = ocio_apply(cube, codes / np.float32(255), "tetrahedral")
    assert np.abs(out - ours).max() < 1e-5
    assert (np.abs(out - direct) * 255)[fine].max() <= 1.0


def test_colour_science_reads_the_cube_and_agrees_with_the_model(exported):
    import colour
    from colour.algebra import table_interpolation_tetrahedral

    cube, codes, direct, ours, fine = exported
    lut = colour.read_LUT(str(cube))
    assert isinstance(lut, colour.LUT3D) and lut.size == 33 and lut.name == "darkroom"
    np.testing.assert_allclose(lut.domain, [[0, 0, 0], [1, 1, 1]])
    out = lut.apply(codes / 255.0, interpolator=table_interpolation_tetrahedral)
    assert np.abs(out - ours).max() < 1e-5
    assert (np.abs(out - direct) * 255)[fine].max() <= 1.0
