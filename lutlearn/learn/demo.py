"""The built-in end-to-end job: chart -> reference grade -> fit -> .cube."""

from __future__ import annotations

from pathlib import Path

from lutlearn.errors import LutlearnError
from lutlearn.grades import darkroom
from lutlearn.images import check_output, write_image
from lutlearn.learn.fitting import fit_files
from lutlearn.learn.train import FitConfig
from lutlearn.luts.chart import identity_chart, write_chart

__all__ = ["run_demo"]


def run_demo(out_dir, level: int = 16, backend: str = "jax", seed: int = 0, progress=None, log=None,
             overwrite: bool = False):
    """Write the chart and its darkroom-graded copy to ``out_dir``, learn the grade, export it.

    Every output is checked against the overwrite rule before any work.

    Returns:
        The :class:`~lutlearn.learn.fitting.FitSummary`; outputs are darkroom.cube,
        darkroom.npz and report.png in ``out_dir``.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise LutlearnError(f"{out}: cannot create the output folder ({e.strerror})") from None
    log = log or (lambda msg: None)
    before, after = out / "chart.png", out / "chart_darkroom.png"
    outputs = [out / "darkroom.cube", out / "darkroom.npz"]
    for path in (before, after, *outputs, out / "report.png"):
        check_output(path, overwrite=overwrite)
    write_chart(before, level)
    graded = darkroom(identity_chart(level))
    write_image(after, graded, bit_depth=8 if level == 16 else 16)
    log(f"wrote {before} and {after} (the built-in 'darkroom' grade)")
    return fit_files([(before, after)], outputs, config=FitConfig(backend=backend, seed=seed), title="darkroom",
                     progress=progress, report=out / "report.png", log=log, overwrite=overwrite)
