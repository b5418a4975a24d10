"""The fit report figure: training curve, preview, ΔE heat-map and colour coverage."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lutlearn.images import atomic_write, read_image
from lutlearn.learn.metrics import delta_e2000
from lutlearn.luts.chart import is_identity_chart
from lutlearn.luts.hald import hald_to_table
from lutlearn.luts.lut import LUT3D

__all__ = ["write_report", "report_figure", "coverage_mosaic", "preview_pair"]

_PREVIEW = 384


def coverage_mosaic(x: np.ndarray, bins: int = 16) -> np.ndarray:
    """Which colours the training data covered, as an RGB image.

    The RGB cube is cut into ``bins``³ cells; the mosaic shows one red-green
    tile per blue level (4x4 tiles for 16 bins). Covered cells show their own
    colour, cells with no sample (where the model extrapolates) are dark grey.

    Args:
        x: float (M, 3) before-colours in [0, 1].

    Returns:
        float32 image (side*bins, side*bins, 3) where side = ceil(sqrt(bins)).
    """
    idx = np.minimum((np.asarray(x) * bins).astype(np.int64), bins - 1)
    hit = np.zeros((bins, bins, bins), bool)  # [b, g, r]
    hit[idx[:, 2], idx[:, 1], idx[:, 0]] = True
    side = int(np.ceil(np.sqrt(bins)))
    centre = (np.arange(bins) + 0.5) / bins
    mosaic = np.full((side * bins, side * bins, 3), 0.12, np.float32)
    for b in range(bins):
        g, r = np.meshgrid(centre, centre, indexing="ij")
        tile = np.stack([r, g, np.full_like(r, centre[b])], axis=-1)
        tile[~hit[b]] = 0.12
        ty, tx = divmod(b, side)
        mosaic[ty * bins:(ty + 1) * bins, tx * bins:(tx + 1) * bins] = tile[::-1]  # green up
    return mosaic


def _shrink(rgb: np.ndarray) -> np.ndarray:
    step = max(1, int(np.ceil(max(rgb.shape[:2]) / _PREVIEW)))
    return rgb[::step, ::step]


def preview_pair(before_path: Path, after_path: Path) -> tuple[np.ndarray, np.ndarray, str]:
    """(before, after, caption) preview images for the report.

    For a chart pair the chart itself makes a poor picture: the built-in test
    image is shown instead, with the after-chart applied to it as a LUT.
    """
    from lutlearn.images.testimage import test_image

    before, after = read_image(before_path).rgb, read_image(after_path).rgb
    if before.shape == after.shape and is_identity_chart(before):
        image = test_image()
        return image, LUT3D(hald_to_table(after)).apply(image), "built-in test image through the after-chart"
    before, after = _shrink(before), _shrink(after)
    h, w = min(before.shape[0], after.shape[0]), min(before.shape[1], after.shape[1])
    return before[:h, :w], after[:h, :w], before_path.name


def report_figure(model, result, samples, pairs):
    """The report figure of a finished fit (a matplotlib Figure; the caller closes it).

    Panels, in ``fig.axes`` order: the training curve; before; after (the
    target); the model's prediction on the before image; ΔE2000 of prediction
    against after; the colours the training data covered (:func:`coverage_mosaic`);
    then the ΔE colour bar.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before, after, caption = preview_pair(Path(pairs[0][0]), Path(pairs[0][1]))
    pred = model.apply(before)
    de = delta_e2000(pred, after)
    fig, axes = plt.subplots(2, 3, figsize=(13, 8.5))
    ax = axes[0, 0]
    epochs = np.arange(1, len(result.train_loss) + 1)
    ax.semilogy(epochs, result.train_loss, label="train")
    if np.isfinite(result.val_loss).any():
        ax.semilogy(epochs, result.val_loss, label="validation")
    ax.axvline(result.best_epoch, color="grey", ls=":", label=f"kept (epoch {result.best_epoch})")
    ax.set(xlabel="epoch", ylabel="MSE (sRGB)", title="training curve")
    ax.legend()
    for ax, img, title in ((axes[0, 1], before, f"before: {caption}"), (axes[0, 2], after, "after (target)"),
                           (axes[1, 0], np.clip(pred, 0, 1), "predicted")):
        ax.imshow(np.clip(img, 0, 1))
        ax.set_title(title)
        ax.axis("off")
    im = axes[1, 1].imshow(de, cmap="magma", vmin=0, vmax=max(2.0, float(np.percentile(de, 99))))
    axes[1, 1].set_title(f"ΔE2000 predicted vs after (mean {de.mean():.2f})")
    axes[1, 1].axis("off")
    fig.colorbar(im, ax=axes[1, 1], fraction=0.046)
    axes[1, 2].imshow(coverage_mosaic(samples.flat_x), interpolation="nearest")
    axes[1, 2].set_title("colours covered (grey: extrapolated)\none red-green tile per blue level")
    axes[1, 2].axis("off")
    fig.suptitle(f"{model.spec.describe()}: {len(samples)} colours, {len(result.train_loss)} epochs")
    fig.tight_layout()
    return fig


def write_report(path, model, result, samples, pairs) -> Path:
    """Write the report figure (:func:`report_figure`) as a PNG, atomically."""
    fig = report_figure(model, result, samples, pairs)  # selects matplotlib's Agg backend first
    import matplotlib.pyplot as plt

    path = Path(path)
    try:
        with atomic_write(path) as tmp:
            fig.savefig(tmp, format="png", dpi=80)
    finally:
        plt.close(fig)
    return path
