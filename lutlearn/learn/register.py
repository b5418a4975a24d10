"""Geometry of a photo pair: find how the after image is framed and bring both onto one grid.

An edited export is often resized, re-framed (cropped and scaled back up), or
slightly rotated. Pixel pairing needs every before pixel to meet the after
pixel that shows the same point of the scene, to a small fraction of a pixel.

1. **A grade-invariant picture.** A colour grade changes colours but keeps the
   order of brightnesses (it is close to monotone in luminance), so both
   images are reduced to *rank-normalised luminance*: each pixel's luminance
   replaced by its rank (histogram equalisation). The two pictures then look
   alike whatever the grade.
2. **Features + RANSAC.** SIFT keypoints on both pictures, Lowe's ratio test,
   and a RANSAC similarity (translation, uniform scale, rotation) give a first
   transform and the number of matches that agree with it.
3. **ECC refinement.** ``cv2.findTransformECC`` refines it to a full affine
   transform on the same pictures (ECC is also invariant to affine brightness
   changes). Its correlation coefficient is the final check: two different
   photos cannot reach it.
4. **A common grid, never upsampled.** The denser image (more pixels per
   point of the scene) is area-averaged and warped onto the grid of the other,
   so no pixel is invented by interpolation between two real ones.
   The same frame at another size snaps to the exact resize: an editor that
   exports the whole picture smaller maps frame edge to frame edge (pixel
   areas aligned, as Pillow, OpenCV's area filter and libvips do), and ECC's
   estimate of it is off by a few hundredths of a pixel, which is enough to
   make the simulated export of a sharp photo differ from the file by
   several codes at every edge. A transform within IDENTITY_TOL (after
   pixels) of that exact map at every corner is replaced by it, as a same-size
   transform that close to identity is by the identity. A same-size pair that
   a shift alone aligns as well as the affine transform does is that shift:
   on a smooth picture the affine one drifts.
5. **Borders.** Pixels whose source point falls outside (or within a few pixels
   of the edge of) the other frame are left out (``PairOnGrid.valid``). Edges and
   texture are *not* masked: what resampling and compression do to them is
   simulated instead (:mod:`lutlearn.learn.exportsim`); masking them cost too many colours.

Coordinates are OpenCV's: pixel centres at integers, ``x`` right, ``y`` down.
A transform is a (2, 3) float64 matrix mapping before coordinates to after
coordinates.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from lutlearn.errors import LutlearnError

__all__ = [
    "PairOnGrid",
    "Registration",
    "RegistrationError",
    "area_downsample",
    "grade_invariant",
    "register",
    "warp_to_common_grid",
]

ANALYSIS_SIDE = 1200  # registration runs on pictures whose longer side is at most this
MIN_INLIERS = 12  # feature matches that must agree with one transform
MIN_INLIER_RATIO = 0.2  # of the ratio-test matches
MIN_CORRELATION = 0.6  # ECC correlation of the aligned grade-invariant pictures
IDENTITY_TOL = 0.15  # pixels: a same-size transform closer than this to identity is not applied
FRAME_DRIFT = 2.0  # analysis pixels: how far ECC may move a frame corner without feature matches to confirm it
MIN_SIDE = 32  # pixels: a smaller picture has too little structure to find a transform; only the identity is tried
ECC_SHRINK = 0.8  # ECC runs at the after picture's scale when that is smaller than this (see _ecc)
ECC_MARGIN = 3  # pixels along the before picture's frame that ECC leaves out (see _ecc_same_scale)
# Correlation an affine ECC must gain over a shift alone to move a same-size pair that the shift leaves in place
# (see _same_frame): a 0.2% scale change (0.8 px at the corners) gains 0.0007 even on kodim23's smooth picture,
# 0.005 on kodim05's; an unmoved JPEG pair's drift gains 0.00005 at most.
AFFINE_GAIN = 3e-4


class RegistrationError(LutlearnError):
    """No consistent alignment between the two images: not the same photo (one line naming both files)."""


@dataclasses.dataclass(frozen=True)
class Registration:
    """How the after image is placed relative to the before image.

    Attributes:
        matrix: float64 (2, 3) affine transform, before pixel coords -> after pixel coords.
        matches: feature matches that passed the ratio test (0 when ECC alone was used).
        inliers: matches consistent with the RANSAC transform.
        correlation: ECC correlation (0..1) of the aligned grade-invariant pictures.
        before_size, after_size: (width, height) of the two images.
    """

    matrix: np.ndarray
    matches: int
    inliers: int
    correlation: float
    before_size: tuple[int, int]
    after_size: tuple[int, int]

    @property
    def scale(self) -> float:
        """After pixels per before pixel (geometric mean of the two axes)."""
        return float(math.sqrt(abs(np.linalg.det(self.matrix[:, :2]))))

    @property
    def rotation_deg(self) -> float:
        return float(math.degrees(math.atan2(self.matrix[1, 0] - self.matrix[0, 1],
                                             self.matrix[0, 0] + self.matrix[1, 1])))

    @property
    def is_identity(self) -> bool:
        """Same size and a transform within IDENTITY_TOL pixels of identity over the whole frame."""
        if self.before_size != self.after_size:
            return False
        w, h = self.before_size
        corners = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], np.float64)
        moved = corners @ self.matrix.T - corners[:, :2]
        return bool(np.abs(moved).max() < IDENTITY_TOL)

    @property
    def after_to_before(self) -> np.ndarray:
        """(2, 3) the inverse map: after coordinates -> before coordinates."""
        return _invert(self.matrix)

    def crop_fraction(self) -> tuple[float, float, float, float]:
        """Share of the before frame outside the after frame: (left, top, right, bottom)."""
        inv = self.after_to_before
        wa, ha = self.after_size
        wb, hb = self.before_size
        corners = np.array([[-0.5, -0.5, 1], [wa - 0.5, ha - 0.5, 1]], np.float64) @ inv.T
        (x0, y0), (x1, y1) = corners
        return ((x0 + 0.5) / wb, (y0 + 0.5) / hb, (wb - 0.5 - x1) / wb, (hb - 0.5 - y1) / hb)

    def describe(self) -> str:
        """One line for the user, e.g. 'after = before x1.031, rotated 0.00°, shifted (-12.1, -8.0) px'."""
        if self.is_identity:
            return "after image is aligned with the before image (no transform)"
        tx, ty = self.matrix[:, 2]
        crop = ", ".join(f"{100 * c:.1f}%" for c in self.crop_fraction())
        how = f"{self.inliers}/{self.matches} feature matches" if self.matches else "ECC from identity"
        return (f"after image = before scaled x{self.scale:.4f}, rotated {self.rotation_deg:+.2f} deg, "
                f"shifted ({tx:+.1f}, {ty:+.1f}) px; before frame outside the after frame (l, t, r, b): {crop} "
                f"[{how}, correlation {self.correlation:.3f}]")


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of sRGB values (H, W, 3) -> (H, W) float32."""
    return (rgb[..., :3] @ np.array([0.2126, 0.7152, 0.0722], np.float32)).astype(np.float32)


def grade_invariant(rgb: np.ndarray) -> np.ndarray:
    """Rank-normalised luminance as uint8 (H, W): each pixel's luminance replaced by its rank.

    A monotone change of brightness (any tone curve) leaves the result unchanged,
    up to the ties that quantisation makes.
    """
    lum = luminance(rgb)
    codes = np.clip(np.rint(lum * 4095.0), 0, 4095).astype(np.int32)
    cdf = np.cumsum(np.bincount(codes.ravel(), minlength=4096)).astype(np.float64)
    cdf = (cdf - cdf[0]) / max(cdf[-1] - cdf[0], 1.0)
    return np.rint(cdf[codes] * 255.0).astype(np.uint8)


def area_downsample(img: np.ndarray, factor: float) -> np.ndarray:
    """Area-average ``img`` (H, W, ...) by ``factor`` >= 1 (cv2 INTER_AREA), float32 out."""
    import cv2

    if factor <= 1.0:
        return np.asarray(img, np.float32)
    h, w = img.shape[:2]
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    return cv2.resize(np.asarray(img, np.float32), size, interpolation=cv2.INTER_AREA)


def _scaling(factor_x: float, factor_y: float) -> np.ndarray:
    """3x3 map from full-resolution coords to coords of an image downsampled by the factors."""
    return np.array([[1 / factor_x, 0, 0.5 / factor_x - 0.5], [0, 1 / factor_y, 0.5 / factor_y - 0.5], [0, 0, 1]])


def _h(m: np.ndarray) -> np.ndarray:
    return np.vstack([m, [0.0, 0.0, 1.0]])


def _invert(m: np.ndarray) -> np.ndarray:
    return np.linalg.inv(_h(m))[:2]


def _analysis_picture(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grade-invariant picture at most ANALYSIS_SIDE on its longer side, and the full->analysis map."""
    h, w = rgb.shape[:2]
    factor = max(1.0, max(h, w) / ANALYSIS_SIDE)
    small = area_downsample(rgb, factor) if factor > 1 else rgb
    fy, fx = h / small.shape[0], w / small.shape[1]
    return grade_invariant(small), _scaling(fx, fy)


def _feature_transform(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray | None, int, int]:
    """RANSAC similarity a -> b from SIFT matches: (matrix or None, matches, inliers)."""
    import cv2

    sift = cv2.SIFT_create(nfeatures=2000)
    ka, da = sift.detectAndCompute(a, None)
    kb, db = sift.detectAndCompute(b, None)
    if da is None or db is None or len(ka) < 3 or len(kb) < 3:
        return None, 0, 0
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(da, db, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.75 * p[1].distance]
    if len(good) < 3:
        return None, len(good), 0
    src = np.float32([ka[m.queryIdx].pt for m in good])
    dst = np.float32([kb[m.trainIdx].pt for m in good])
    m, inl = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=2.0,
                                         maxIters=5000, confidence=0.999, refineIters=20)
    inliers = int(inl.sum()) if inl is not None else 0
    return (m if m is not None else None), len(good), inliers


def _ecc(a: np.ndarray, b: np.ndarray, init: np.ndarray) -> tuple[np.ndarray, float]:
    """Affine ECC refinement of ``init`` (a -> b): (matrix, correlation); correlation 0 on failure.

    ECC samples ``b`` at ``a``'s pixels. Where ``b`` is much smaller (``init`` shrinks by more than
    ECC_SHRINK), ``a`` is first area-averaged to about ``b``'s scale: against detail that ``b`` lacks,
    the estimate drifts (a 0.35-size bicubic export of kodim19: the frame's corners 0.93 px from the
    exact resize, then 0.00).
    """
    scale = float(np.sqrt(abs(np.linalg.det(np.asarray(init, np.float64)[:, :2]))))
    if 0.0 < scale < ECC_SHRINK:
        small = area_downsample(a, 1.0 / scale)
        to_small = _scaling(a.shape[1] / small.shape[1], a.shape[0] / small.shape[0])
        refined, cc = _ecc_same_scale(small, b, (_h(init) @ np.linalg.inv(to_small))[:2])
        return ((_h(refined) @ to_small)[:2], cc) if cc > 0 else (init, 0.0)
    return _ecc_same_scale(a, b, init)


def _ecc_same_scale(a: np.ndarray, b: np.ndarray, init: np.ndarray,
                    motion: int | None = None) -> tuple[np.ndarray, float]:
    """:func:`_ecc` on two pictures of about the same scale.

    ``b`` is compared only where ``a``'s frame, less ECC_MARGIN pixels, falls by ``init``. An export that
    shows more than the photo (a white mat around it, exported smaller) mixes the mat into the photo's edge
    pixels, and ECC pulled the frame toward that edge: its corners were 0.17-0.22 px off, now 0.03.
    ``motion``: OpenCV's motion model (default affine).
    """
    import cv2

    # findTransformECC(template, input, warp) finds warp with input(warp(x)) ~ template(x); its mask is input's.
    warp = init.astype(np.float32).copy()
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-6)
    inner = np.zeros(a.shape[:2], np.uint8)
    inner[ECC_MARGIN:-ECC_MARGIN, ECC_MARGIN:-ECC_MARGIN] = 1
    mask = cv2.warpAffine(inner, np.asarray(init, np.float64), (b.shape[1], b.shape[0]), flags=cv2.INTER_NEAREST)
    try:
        cc, warp = cv2.findTransformECC(a.astype(np.float32), b.astype(np.float32), warp,
                                        cv2.MOTION_AFFINE if motion is None else motion,
                                        criteria, mask, 5)
    except cv2.error:
        return init, 0.0
    return warp.astype(np.float64), float(cc)


def register(before: np.ndarray, after: np.ndarray, names=("before", "after")) -> Registration:
    """Find the affine transform from the before image's pixel grid to the after image's.

    Args:
        before: float32 (Hb, Wb, 3) sRGB.
        after: float32 (Ha, Wa, 3) sRGB, the same photo graded, possibly resized,
            re-framed or slightly rotated.
        names: how to call the two images in the error message.

    Returns:
        A :class:`Registration`.

    Raises:
        RegistrationError: the images do not show the same picture (no transform
            reaches MIN_CORRELATION).
    """
    if min(*before.shape[:2], *after.shape[:2]) < MIN_SIDE:
        if before.shape != after.shape:
            small = names[0] if min(before.shape[:2]) < MIN_SIDE else names[1]
            raise RegistrationError(f"{small} is too small to align with the other image (under {MIN_SIDE} pixels "
                                    "on a side); give both images at the same size")
        ident = np.array([[1.0, 0, 0], [0, 1.0, 0]])
        size = (before.shape[1], before.shape[0])
        return Registration(ident, 0, 0, 1.0, size, size)  # tiny and the same size: taken as aligned
    pa, to_a = _analysis_picture(before)
    pb, to_b = _analysis_picture(after)
    if before.shape == after.shape:  # most pairs: same frame, just graded; ECC from identity settles it
        quick = _same_frame(pa, pb, to_a, to_b, before, after)
        if quick is not None:
            return quick
    m, matches, inliers = _feature_transform(pa, pb)
    candidates = []
    if m is not None and inliers >= MIN_INLIERS and inliers >= MIN_INLIER_RATIO * matches:
        candidates.append(("features", m))
    # The same frame at another size: start ECC from the scaled identity as well. Without feature matches to
    # confirm it, this candidate may only move a little: on smooth, featureless pictures ECC can bend any
    # frame onto any other (two different gradients reach correlation 0.99).
    sx, sy = pb.shape[1] / pa.shape[1], pb.shape[0] / pa.shape[0]
    candidates.append(("frame", np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5]])))
    best, best_cc, drift = None, -1.0, 0.0
    for how, init in candidates:
        refined, cc = _ecc(pa, pb, init)
        if how == "frame":
            drift = _corner_shift(refined, init, pa.shape)
            if drift > FRAME_DRIFT:
                continue
        if cc > best_cc:
            best, best_cc = refined, cc
        if cc > 0.9:
            break
    if best_cc < MIN_CORRELATION:
        why = (f"correlation {max(best_cc, 0):.2f} < {MIN_CORRELATION}" if best is not None else
               f"the frames only meet bent by {drift:.0f} px")
        raise RegistrationError(
            f"{names[1]} does not show the same picture as {names[0]} ({inliers} of {matches} feature matches "
            f"agree, {why}); pair each photo with its own export")
    reg = Registration(_full_size(best, to_a, to_b), matches, inliers if m is not None and len(candidates) > 1 else 0,
                       best_cc, (before.shape[1], before.shape[0]), (after.shape[1], after.shape[0]))
    resize = whole_frame_resize(reg.before_size, reg.after_size)
    if _corner_shift(reg.matrix, resize, before.shape) < IDENTITY_TOL:  # in after pixels: the map's output
        return dataclasses.replace(reg, matrix=resize)
    return reg


def whole_frame_resize(before_size: tuple[int, int], after_size: tuple[int, int]) -> np.ndarray:
    """(2, 3) the exact map of an export that resizes the whole frame: edges to edges, pixel areas aligned.

    >>> whole_frame_resize((768, 512), (384, 256)).tolist()
    [[0.5, 0.0, -0.25], [0.0, 0.5, -0.25]]
    """
    sx, sy = after_size[0] / before_size[0], after_size[1] / before_size[1]
    return np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5]])


def _corner_shift(m: np.ndarray, init: np.ndarray, shape) -> float:
    """Largest distance (pixels) between where ``m`` and ``init`` put the corners of a picture of ``shape``."""
    h, w = shape[:2]
    corners = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], np.float64)
    return float(np.abs(corners @ (np.asarray(m, np.float64) - init).T).max())


def _full_size(m: np.ndarray, to_a: np.ndarray, to_b: np.ndarray) -> np.ndarray:
    """(2, 3) the before -> after map of the full images, from ``m`` between their analysis pictures."""
    return (np.linalg.inv(to_b) @ _h(m) @ to_a)[:2]


def _same_frame(pa, pb, to_a, to_b, before, after) -> Registration | None:
    """The Registration of same-size pictures that align without moving (the identity) or by a shift alone
    (ECC), else None."""
    import cv2

    ident = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    refined, cc = _ecc(pa, pb, ident)
    if cc < 0.9:
        return None
    sizes = (before.shape[1], before.shape[0]), (after.shape[1], after.shape[0])
    reg = Registration(_full_size(refined, to_a, to_b), 0, 0, cc, *sizes)
    if reg.is_identity:
        return dataclasses.replace(reg, matrix=ident)
    # Smooth pictures leave the affine ECC free to drift (kodim23's defocused background: frame corners 0.2-0.6
    # px off for a pair that is not moved at all). A shift alone is far better determined: when the four other
    # parameters buy no correlation worth having, the pair is that shift (or, within IDENTITY_TOL, not moved).
    shifted, cc_shift = _ecc_same_scale(pa, pb, ident, cv2.MOTION_TRANSLATION)
    if cc - cc_shift >= AFFINE_GAIN:
        return None
    reg = Registration(_full_size(shifted, to_a, to_b), 0, 0, cc_shift, *sizes)
    return dataclasses.replace(reg, matrix=ident) if reg.is_identity else reg


@dataclasses.dataclass(frozen=True)
class PairOnGrid:
    """A pair resampled onto one grid.

    Attributes:
        before, after: float32 (H, W, 3) on the common grid.
        valid: bool (H, W): inside both frames, away from the borders.
        grid: "before" or "after": whose pixel grid was kept (the coarser one).
        to_after: float64 (2, 3) map from grid coords to the after image's own coords
            (where the after image's frame centre is, for a vignette).
    """

    before: np.ndarray
    after: np.ndarray
    valid: np.ndarray
    grid: str
    to_after: np.ndarray


def _warp(src: np.ndarray, grid_to_src: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Sample ``src`` (h, w, C) at grid_to_src(grid pixel) for a grid of ``size`` (W, H).

    When ``src`` is denser than the grid (more than 1.25 source pixels per grid
    pixel) it is area-averaged to about the grid's density first, so that the
    final bilinear warp neither aliases nor invents detail.
    """
    import cv2

    scale = math.sqrt(abs(np.linalg.det(grid_to_src[:, :2])))  # src pixels per grid pixel
    m = grid_to_src
    if scale > 1.25:
        h, w = src.shape[:2]
        small = area_downsample(src, scale)
        m = (_scaling(w / small.shape[1], h / small.shape[0]) @ _h(m))[:2]
        src = small
    return cv2.warpAffine(np.asarray(src, np.float32), m, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def _inside(grid_to_src: np.ndarray, size: tuple[int, int], src_size: tuple[int, int], margin: float) -> np.ndarray:
    """bool (H, W): grid pixels whose source point lies ``margin`` source pixels inside the source frame."""
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    sx = grid_to_src[0, 0] * xs + grid_to_src[0, 1] * ys + grid_to_src[0, 2]
    sy = grid_to_src[1, 0] * xs + grid_to_src[1, 1] * ys + grid_to_src[1, 2]
    return (sx >= margin - 0.5) & (sx <= src_size[0] - 0.5 - margin) & (sy >= margin - 0.5) & (sy <= src_size[1] - 0.5 - margin)


def warp_to_common_grid(before: np.ndarray, after: np.ndarray, reg: Registration, margin: float = 3.0) -> PairOnGrid:
    """Resample the denser image of a registered pair onto the other's grid.

    Args:
        before, after: float32 (H, W, 3) images of the pair.
        reg: their :class:`Registration`.
        margin: pixels (of the sampled image) left out along its frame edges.

    Returns:
        A :class:`PairOnGrid`. An identity registration returns the inputs unchanged.
    """
    hb, wb = before.shape[:2]
    ha, wa = after.shape[:2]
    if reg.is_identity:
        valid = np.ones((hb, wb), bool)
        return PairOnGrid(before, after, valid, "before", np.array([[1.0, 0, 0], [0, 1.0, 0]]))
    if reg.scale >= 1.0:  # the after image is denser: sample it on the before grid
        warped = _warp(after, reg.matrix, (wb, hb))
        valid = _inside(reg.matrix, (wb, hb), (wa, ha), margin)
        return PairOnGrid(before, warped, valid, "before", reg.matrix)
    inv = reg.after_to_before  # the before image is denser: sample it on the after grid
    warped = _warp(before, inv, (wa, ha))
    valid = _inside(inv, (wa, ha), (wb, hb), margin * reg.scale)
    return PairOnGrid(warped, after, valid, "after", np.array([[1.0, 0, 0], [0, 1.0, 0]]))
