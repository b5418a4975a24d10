"""The built-in end-to-end job: chart -> reference grade -> fit -> .cube."""

from __future__ import annotations

from pathlib import Path

from lutlearn.grades import darkroom
from lutlearn.images import AllOrNothing, check_output, preflight_writable, write_image
from lutlearn.learn.fitting import fit_files
from lutlearn.learn.train import FitConfig
from lutlearn.luts.chart import identity_chart, write_chart

__all__ = ["run_demo"]


def run_demo(out_dir, level: int = 16, backend: str = "jax", seed: int = 0, progress=None, log=None,
             overwrite: bool = False):
    """Write the chart and its darkroom-graded copy to ``out_dir``, learn the grade, export it.

    Every output is checked against the overwrite rule, and the folder made and
    test-written, before any work; when a later write fails, everything written
    (and the folder, if it was made here) is removed again.

    Returns:
        The :class:`~lutlearn.learn.fitting.FitSummary`; outputs are darkroom.cube,
        darkroom.npz and report.png in ``out_dir``.
    """
    out = Path(out_dir)
    made: list[Path] = []
    preflight_writable(out, create=True, created=made)
    log = log or (lambda msg: None)
    before, after = out / "chart.png", out / "chart_darkroom.png"
    outputs = [out / "darkroom.cube", out / "darkroom.npz"]
    with AllOrNothing(folders=made) as written:
        for path in (before, after, *outputs, out / "report.png"):
            check_output(path, overwrite=overwrite, probe=False)
            written.expect(path)
        write_chart(before, level)
        graded = darkroom(identity_chart(level))
        write_image(after, graded, bit_depth=8 if level == 16 else 16)
        log(f"wrote {before} and {after} (the built-in 'darkroom' grade)")
        return fit_files([(before, after)], outputs, config=FitConfig(backend=backend, seed=seed), title="darkroom",
                         progress=progress, report=out / "report.png", log=log, overwrite=overwrite)
