"""A photo pair on its common grid, and a simulation of the export that made the after image.

The after image is not the look applied to the before image: it is the look
applied, then (maybe) a vignette, then resampled to the export's frame and
size, then JPEG-compressed. Each of those steps changes the colour of a pixel
depending on its neighbours (JPEG shrinks texture and averages chroma over
2x2 blocks; resampling mixes colours across edges), so the after colour of a
textured pixel is biased toward its surroundings: a model fitted to raw after
colours comes out flatter and duller than the look (about 1 ΔE on a JPEG q80
photo).

Because everything but the look is known or estimated (the registration, the
file's own JPEG quantisation tables and chroma subsampling, the vignette), the
pipeline can *simulate* the export of its current estimate of the look and
measure the distortion the export adds at each pixel:

    distortion = export(look(before)) on the grid  −  look(before on the grid)

and fit the next estimate to ``after − distortion``: analysis by synthesis.
When the estimate is right and the simulation exact, the corrected targets are
exactly the look's colours; otherwise each round removes most of what is left.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from lutlearn.images.jpeg import JpegCodec
from lutlearn.learn import register, robust

__all__ = [
    "JpegCodec",
    "PairGrid",
    "choose_sharpening",
    "kernels_for",
    "make_pair_grid",
    "radius_map",
    "read_working",
    "resample_frame",
    "right_angle_turns",
]


def radius_map(shape: tuple[int, int], to_after: np.ndarray, after_size: tuple[int, int]) -> np.ndarray:
    """float32 (H, W): each pixel's distance from the after frame's centre / its half-diagonal.

    Args:
        shape: (H, W) of the grid.
        to_after: (2, 3) map from grid pixel coords to after pixel coords.
        after_size: (W, H) of the after frame.
    """
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ax = to_after[0, 0] * xs + to_after[0, 1] * ys + to_after[0, 2]
    ay = to_after[1, 0] * xs + to_after[1, 1] * ys + to_after[1, 2]
    wa, ha = after_size
    return (np.hypot(ax + 0.5 - wa / 2, ay + 0.5 - ha / 2) / math.hypot(wa / 2, ha / 2)).astype(np.float32)


@dataclasses.dataclass
class PairGrid:
    """One registered pair on its common grid, with what is needed to simulate its export.

    Attributes:
        name: label in messages.
        before: float32 (Hb, Wb, 3) the before image at working resolution.
        x: float32 (H, W, 3) the before image on the grid.
        after: float32 (H, W, 3) the after image on the grid.
        valid: bool (H, W) inside both frames.
        rho: float32 (H, W) radius in the after frame of each grid pixel.
        rho_before: float32 (Hb, Wb) radius of each before pixel (for the simulated vignette).
        registration: the :class:`register.Registration` (at working resolution).
        grid: "before" or "after".
        codec: the after file's :class:`JpegCodec`, or None (PNG/TIFF, or downsampled to work).
        after_size: (W, H) of the after image at working resolution.
        scale_note: how the images were brought to working resolution (and mirrored or turned, see
            ``mirrored`` and ``turns``).
        turns: quarter turns counter-clockwise by which the before image was turned to the after
            image's orientation (:func:`make_pair_grid`); ``before`` is the turned image.
        mirrored: whether the before image was mirrored left to right (before any turn) to match the
            after image (:func:`make_pair_grid`); ``before`` is the mirrored image.
    """

    name: str
    before: np.ndarray
    x: np.ndarray
    after: np.ndarray
    valid: np.ndarray
    rho: np.ndarray
    rho_before: np.ndarray
    registration: register.Registration
    grid: str
    codec: JpegCodec | None
    after_size: tuple[int, int]
    scale_note: str = ""
    kernel: str = "area"
    sharpen: tuple = (0.0, 1.0)  # output sharpening (amount, radius px) of the export, found by choose_sharpening
    area_op: object | None = None  # sparse exact area resampling before -> grid (shrunk, axis-aligned)
    turns: int = 0
    mirrored: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return self.valid.shape

    @property
    def colour_sample_px(self) -> float:
        """Before pixels (per side, at working resolution) behind each colour sample the after file stores.

        The after pixel's footprint (1 / the registration's scale), times 2 per side where a simulated
        JPEG stores chroma for 2x2 pixels (4:2:0; 4:2:2 halves one side only: its geometric mean, √2).
        A half-size 4:2:0 export: 4.
        """
        chroma = {1: math.sqrt(2.0), 2: 2.0}.get(self.codec.subsampling, 1.0) if self.codec else 1.0
        return chroma / max(self.registration.scale, 1e-9)

    def export_frame(self, graded: np.ndarray, kernel: str | None = None,
                     straightened: dict | None = None) -> np.ndarray:
        """Resample an image on the before grid into the after frame, as the editor's export would.

        ``straightened``: a dict that keeps ``graded``'s rotations between calls (see :func:`resample_frame`).
        """
        if self.registration.is_identity:
            return graded
        return resample_frame(graded, self.registration, kernel or self.kernel, self.area_op, straightened)

    def simulate_export(self, lut, vignette: robust.Vignette, kernel: str | None = None) -> np.ndarray:
        """The after image the export would make from ``lut`` (a LUT3D) and ``vignette``, on the grid."""
        return self._export(self._graded(lut, vignette), kernel)

    def _graded(self, lut, vignette: robust.Vignette) -> np.ndarray:
        """The before image graded by ``lut`` and ``vignette`` (what the export resamples)."""
        graded = lut.apply(self.before)
        if not vignette.flat:
            graded = vignette.apply(graded, self.rho_before)
        return graded

    def _export(self, graded: np.ndarray, kernel: str | None = None, straightened: dict | None = None) -> np.ndarray:
        frame = _sharpened(self.export_frame(graded, kernel, straightened), *self.sharpen)
        if self.codec:
            frame = self.codec.roundtrip(frame)
        if self.grid == "after" or self.registration.is_identity:
            return frame
        return register.warp_to_common_grid(self.before, frame, self.registration).after

    def distortion(self, lut, vignette: robust.Vignette, *, direct: np.ndarray | None = None,
                   simulated: np.ndarray | None = None) -> np.ndarray:
        """float32 (H, W, 3): simulated export minus the look applied directly on the grid.

        ``direct`` (``lut`` on the grid's colours, without the vignette) and ``simulated`` (this
        export of ``lut`` and ``vignette``), when the caller has them already, are not computed again.
        """
        direct = lut.apply(self.x) if direct is None else direct
        if not vignette.flat:
            direct = vignette.apply(direct, self.rho)
        return (self.simulate_export(lut, vignette) if simulated is None else simulated) - direct

    def choose_kernel(self, lut, vignette: robust.Vignette, candidates=None, exports: dict | None = None) -> dict:
        """Pick the resampling filter whose simulated export is closest to the after image.

        Editors resample with different filters (box, bilinear, bicubic, Lanczos);
        at edges they give different colours. The current look estimate is pushed
        through each candidate (default: :func:`kernels_for` the registration) and the one
        with the lowest RMS difference to the after image (over valid pixels) is kept in
        ``self.kernel``. ``exports``, a dict, receives the chosen candidate's simulated export.

        Returns:
            {kernel: RMS in 8-bit codes}; empty for an identity registration.
        """
        if self.registration.is_identity:
            return {}
        rms, graded, straightened, best = {}, self._graded(lut, vignette), {}, None
        for k in kernels_for(self.registration) if candidates is None else candidates:
            frame = self._export(graded, k, straightened)
            diff = (frame - self.after)[self.valid]
            rms[k] = float(255.0 * np.sqrt(np.mean(diff * diff)))
            if best is None or rms[k] < rms[best]:
                best = k
                if exports is not None:  # only the best is kept: a rotated frame has up to 15 candidates
                    exports.clear()
                    exports[k] = frame
        self.kernel = best
        return rms


def _sharpened(rgb: np.ndarray, amount: float, radius: float) -> np.ndarray:
    """Unsharp mask: rgb + amount (rgb − Gaussian(rgb, radius)), clipped to [0, 1]."""
    if amount <= 0:
        return rgb
    import cv2

    return np.clip(rgb + amount * (rgb - cv2.GaussianBlur(rgb, (0, 0), radius)), 0.0, 1.0)


SHARPENING = ((0.3, 1.0), (0.6, 1.0), (1.0, 1.0), (0.5, 0.5), (1.0, 0.5), (0.5, 2.0), (1.0, 2.0))


KERNELS = ("area", "bilinear", "bicubic", "lanczos")
# Border added around the before image when it is resampled: the frame may reach a little beyond it
# (registration error), and its edge pixels are repeated there.
PAD = 8
# How an editor may have rotated a straightened photo before cropping or resizing it (:func:`_straightened`):
# bilinear; bicubic (Keys a = -0.5: Pillow, and most editors' "bicubic"); the sharper cubic (a = -0.75) of
# OpenCV; Lanczos (OpenCV's 8x8).
ROTATIONS = ("bilinear", "bicubic", "cubic", "lanczos")


def kernels_for(reg: register.Registration) -> tuple[str, ...]:
    """The resampling filters to try for an export with this registration.

    :data:`KERNELS`; for a rotated frame, every rotation of :data:`ROTATIONS` followed by every
    resize filter, as "<rotation> then <filter>", and "area" (one resampling), and when the
    frame is enlarged, Pillow's one-step "bilinear" and "bicubic" too.
    """
    if not _rotated(reg):
        return KERNELS
    one_step = ("area", "bilinear", "bicubic") if reg.scale >= 1.0 else ("area",)
    if not _straightens(reg):
        return one_step
    return one_step + tuple(f"{r} then {k}" for r in ROTATIONS for k in KERNELS[1:])


def _rotated(reg: register.Registration) -> bool:
    """Whether the frame is turned (by a small angle, or by 180°: axis-aligned, but not a crop box)."""
    inv = reg.after_to_before
    return abs(inv[0, 1]) + abs(inv[1, 0]) > 1e-3 or min(inv[0, 0], inv[1, 1]) < 0


def _straightens(reg: register.Registration) -> bool:
    """Whether the export can be two steps, a rotation of the before image on its own canvas and then a crop
    or resize: a turn by up to 45° (a photo turned by 90° or 180° is not straightened, and one step
    turns it exactly)."""
    return abs(_rotation_split(reg.matrix, reg.before_size)[0]) <= math.pi / 4


def _rotation_split(matrix: np.ndarray, before_size: tuple[int, int]):
    """A registration as a rotation about the before image's centre, then the rest.

    Returns:
        (the angle in radians, (3, 3) before -> rotated coordinates, (3, 3) rotated -> after
        coordinates). The rest is axis-aligned up to a shear (none for a similarity).
    """
    a = matrix[:, :2]
    theta = math.atan2(a[1, 0] - a[0, 1], a[0, 0] + a[1, 1])  # the rotation nearest the linear part
    c, s = math.cos(theta), math.sin(theta)
    wb, hb = before_size
    centre = np.array([(wb - 1) / 2, (hb - 1) / 2])  # pixel centres at integers
    rot = np.array([[c, -s], [s, c]])
    to_rotated = np.vstack([np.hstack([rot, (centre - rot @ centre)[:, None]]), [0, 0, 1]])
    return theta, to_rotated, np.vstack([matrix, [0, 0, 1]]) @ np.linalg.inv(to_rotated)


def choose_sharpening(grid: PairGrid, lut, vignette: robust.Vignette, min_gain: float = 0.03) -> dict:
    """Find the export's output sharpening (unsharp mask) among :data:`SHARPENING`.

    Editors sharpen exports ("sharpen for screen"): halos push colours at edges away
    from their neighbours, which a look fitted to raw pixels would learn as more
    contrast. The current look is exported with each candidate; the best is kept in
    ``grid.sharpen`` when it lowers the RMS difference to the after image by at least
    ``min_gain`` (3 %) over no sharpening.

    Returns:
        {(amount, radius): RMS in 8-bit codes}.
    """
    rms = {}
    for cand in ((0.0, 1.0),) + SHARPENING:
        grid.sharpen = cand
        diff = (grid.simulate_export(lut, vignette) - grid.after)[grid.valid]
        rms[cand] = float(255.0 * np.sqrt(np.mean(diff * diff)))
    best = min(rms, key=rms.get)
    grid.sharpen = best if rms[best] < (1 - min_gain) * rms[(0.0, 1.0)] else (0.0, 1.0)
    return rms


def resample_frame(img: np.ndarray, reg: register.Registration, kernel: str, area_op=None,
                   straightened: dict | None = None) -> np.ndarray:
    """Resample ``img`` (on the before grid) into the after frame with an editor-like filter.

    Args:
        img: float32 (Hb, Wb, 3).
        reg: the registration (before -> after coordinates).
        kernel: "area" (area-average then bilinear when shrinking, bicubic when enlarging; a
            rotated frame in one step), or Pillow's "bilinear", "bicubic", "lanczos" (antialiased
            when shrinking; an enlarged rotated frame in one step by "bilinear" or "bicubic").
            For a rotated frame, "<rotation> then <filter>": the two steps of an editor that
            straightened the photo, then cropped or resized it (:func:`_straightened`,
            :data:`ROTATIONS`). :func:`kernels_for` lists those that differ for a registration.
        area_op: the exact area operator (used for "area" when given).
        straightened: a dict the caller keeps while ``img`` stays the same: its rotations, reused
            by the next filter tried.

    Returns:
        float32 (Ha, Wa, 3).
    """
    from PIL import Image

    wa, ha = reg.after_size
    inv = reg.after_to_before
    rotation, _, kernel = kernel.rpartition(" then ")
    one_step = _rotated(reg) and not rotation
    if kernel == "area" or (one_step and (kernel == "lanczos" or reg.scale < 1.0)):
        if area_op is not None:
            return (area_op @ img.reshape(-1, 3)).astype(np.float32).reshape(ha, wa, 3)
        if reg.scale >= 1.0:
            import cv2

            return np.clip(cv2.warpAffine(img, inv, (wa, ha), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                                          borderMode=cv2.BORDER_REPLICATE), 0.0, 1.0)
        return register.warp_to_common_grid(img, np.zeros((ha, wa, 3), np.float32), reg).before
    method = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}[kernel]
    if rotation:  # the crop box is taken from the rotated image
        inv = np.linalg.inv(_rotation_split(reg.matrix, reg.before_size)[2])[:2]
    (x0, y0), (x1, y1) = inv @ [-0.5, -0.5, 1.0], inv @ [wa - 0.5, ha - 0.5, 1.0]
    hb, wb = img.shape[:2]  # the border reaches as far as the after frame does (a mat around the photo, say)
    beyond = 0.0 if one_step else max(-x0, -y0, x1 + 1.0 - wb, y1 + 1.0 - hb) - 0.5
    pad = PAD + max(0, math.ceil(beyond))
    cache = {} if straightened is None else straightened
    if rotation and (rotation, pad) in cache:
        padded = cache[rotation, pad]
    else:
        padded = np.pad(img, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
        if rotation:
            padded = cache[rotation, pad] = _straightened(padded, reg.matrix, pad, rotation)
    if one_step:  # an enlarged rotated frame in one resampling: Pillow's affine transform
        (a, b, c), (d, e, f) = inv  # its data maps output to input coordinates with pixel edges at integers
        data = (a, b, c + 0.5 - 0.5 * (a + b) + pad, d, e, f + 0.5 - 0.5 * (d + e) + pad)
        return np.clip(_per_channel(padded, lambda ch: ch.transform((wa, ha), Image.AFFINE, data, method)), 0.0, 1.0)
    box = (x0 + 0.5 + pad, y0 + 0.5 + pad, x1 + 0.5 + pad, y1 + 0.5 + pad)
    return np.clip(_per_channel(padded, lambda ch: ch.resize((wa, ha), method, box=box)), 0.0, 1.0)


def _per_channel(img: np.ndarray, op) -> np.ndarray:
    """float32 (H, W, 3): ``op`` applied to each channel as a Pillow float image."""
    from PIL import Image

    chans = [op(Image.fromarray(np.ascontiguousarray(img[..., c], np.float32), mode="F")) for c in range(3)]
    return np.stack([np.asarray(c, np.float32) for c in chans], axis=-1)


def _straightened(padded: np.ndarray, matrix: np.ndarray, pad: int, rotation: str) -> np.ndarray:
    """The first of two export steps of a straightened photo: a rotation about the centre.

    An editor that straightens a photo rotates it at its own size, then crops and resizes
    the result: the colours of every after pixel are interpolated twice, which one
    resampling of the before image does not reproduce. kodim19 through the true Velvia
    look, straightened 0.7° (Pillow's bicubic) and cropped 2 % on every side (Lanczos): the
    export simulated in one step is 1.9 codes RMS from the file, in these two steps 0.3.

    Args:
        padded: float32 (Hb + 2 pad, Wb + 2 pad, 3) the before image with ``pad`` pixels of border.
        matrix: (2, 3) before -> after coordinates (:func:`_rotation_split` takes the rotation out of it).
        rotation: one of :data:`ROTATIONS`.

    Returns:
        The rotated image, the same shape as ``padded``.
    """
    import cv2

    h, w = padded.shape[:2]
    theta, to_rotated, _ = _rotation_split(matrix, (w - 2 * pad, h - 2 * pad))
    if rotation == "bicubic":  # Keys a = -0.5 (OpenCV's cubic is a = -0.75)
        from PIL import Image

        # Pillow turns counter-clockwise on screen for a positive angle; theta turns +x toward +y (down).
        return _per_channel(padded, lambda ch: ch.rotate(-math.degrees(theta), Image.BICUBIC))
    flags = {"bilinear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}[rotation]
    shifted = to_rotated.copy()
    shifted[:2, 2] += pad - to_rotated[:2, :2] @ [pad, pad]  # the same rotation in padded coordinates
    return cv2.warpAffine(padded, shifted[:2], (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)


def read_working(path, max_pixels: int):
    """Read an image at working resolution: float32 (H, W, 3), the downsampling factor, and the ImageData notes.

    Images above ``max_pixels`` are area-averaged down (OpenCV INTER_AREA on 16-bit
    codes, so no precision is lost and no float copy of the full image is made:
    a 24-Mpx JPEG peaks at about 300 MB instead of about 650 MB).
    """
    import cv2

    from lutlearn.images import read_image

    data = read_image(path, codes=True)
    codes, notes = data.rgb, data.notes
    del data
    h, w = codes.shape[:2]
    factor = max(1.0, math.sqrt(h * w / max_pixels))
    if codes.dtype == np.float32:  # a float TIFF
        return (register.area_downsample(codes, factor) if factor > 1 else codes), factor, notes
    unit = np.float32(1 / (255 if codes.dtype == np.uint8 else 65535))
    if factor == 1.0:
        return codes.astype(np.float32) * unit, 1.0, notes
    wide = codes.astype(np.uint16)
    if codes.dtype == np.uint8:
        wide *= np.uint16(257)
    del codes
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    small = cv2.resize(wide, size, interpolation=cv2.INTER_AREA)
    del wide
    return small.astype(np.float32) * np.float32(1 / 65535), factor, notes


def _working(img: np.ndarray, max_pixels: int) -> tuple[np.ndarray, float]:
    h, w = img.shape[:2]
    if h * w <= max_pixels:
        return img, 1.0
    factor = math.sqrt(h * w / max_pixels)
    return register.area_downsample(img, factor), factor


def make_pair_grid(before: np.ndarray, after: np.ndarray, *, name: str = "after", names=("before", "after"),
                   codec: JpegCodec | None = None, max_pixels: int = 2_000_000,
                   factors: tuple[float, float] = (1.0, 1.0)) -> PairGrid:
    """Register a pair and bring it onto its common grid.

    Args:
        before, after: float32 (H, W, 3) sRGB images (sizes may differ).
        name: label of the pair in reports.
        names: file names for the registration error.
        codec: the after file's JPEG settings (None for lossless files).
        max_pixels: images above this many pixels are area-downsampled first; the
            codec is then not simulated (downsampling averages its noise away).
        factors: how much each image was already downsampled when read (:func:`read_working`).

    An after image that only registers mirrored (an export flipped in the editor, a front camera's
    mirrored JPEG, a JPEG whose EXIF orientation mirrors its stored pixels) is met by mirroring the
    before image left to right exactly: a flip top to bottom is that and a half turn.

    Raises:
        register.RegistrationError: the two images are not the same photo, mirrored or not.
    """
    before, fb = _working(before, max_pixels)
    after, fa = _working(after, max_pixels)
    fb, fa = fb * factors[0], fa * factors[1]
    note = "" if fb == fa == 1.0 else f"worked at 1/{max(fb, fa):.1f} of the input size"
    if fa > 1.0:
        codec = None
    mirrored = False
    try:
        reg = register.register(before, after, names)
    except register.RegistrationError as err:  # the same photo mirrored? (tried only once it is not as it is)
        flipped = np.ascontiguousarray(before[:, ::-1])
        try:
            reg = register.register(flipped, after, names)
        except register.RegistrationError:
            raise err from None
        before, mirrored = flipped, True
        note = "; ".join(filter(None, ["before image mirrored left to right to match the after image", note]))
    turns = right_angle_turns(reg)
    if turns:  # a turned photo (a camera JPEG stored sideways, say): turn the before image exactly
        turned = np.ascontiguousarray(np.rot90(before, turns))
        try:
            again = register.register(turned, after, names)
        except register.RegistrationError:  # the first registration stands
            again = reg
        if right_angle_turns(again) == 0 and abs(again.rotation_deg) < abs(reg.rotation_deg):
            before, reg = turned, again
            what = {1: "90° counter-clockwise", 2: "180°", 3: "90° clockwise"}[turns]
            note = "; ".join(filter(None, [f"before image turned {what} to the after image's orientation", note]))
        else:
            turns = 0
    pair = register.warp_to_common_grid(before, after, reg)
    if pair.grid == "before":
        rho = radius_map(pair.valid.shape, reg.matrix, reg.after_size)
        rho_before = rho
    else:
        rho = radius_map(pair.valid.shape, np.array([[1.0, 0, 0], [0, 1.0, 0]]), reg.after_size)
        rho_before = radius_map(before.shape[:2], reg.matrix, reg.after_size)
    x, area_op = pair.before, None
    if pair.grid == "after" and abs(reg.matrix[0, 1]) + abs(reg.matrix[1, 0]) < 1e-3 * reg.scale:
        from lutlearn.learn.forward import area_operator

        area_op = area_operator(reg.after_to_before, pair.valid.shape, before.shape[:2])
        x = (area_op @ before.reshape(-1, 3)).astype(np.float32).reshape(pair.before.shape)
    return PairGrid(name, before, x, pair.after, pair.valid, rho, rho_before, reg, pair.grid,
                    codec, reg.after_size, note, area_op=area_op, turns=turns, mirrored=mirrored)


# How far from a right angle a registration's rotation may be for the before image to be turned by that
# right angle first (:func:`right_angle_turns`); what is left is registered as a straightened photo.
TURN_TOLERANCE_DEG = 10.0


def right_angle_turns(reg: register.Registration) -> int:
    """Quarter turns (0-3) counter-clockwise that bring the before image to the after image's orientation.

    A photo shown upright through its EXIF orientation tag but stored sideways (most cameras' JPEGs of
    portrait shots), or exported turned, registers as a rotation of about 90°, 180° or 270°.
    Resampled through that rotation, the simulated export is an approximation; turned exactly
    (``np.rot90``), the before image meets the after image's own pixel grid and JPEG blocks. 0 when the
    rotation is within :data:`TURN_TOLERANCE_DEG` of none, or of no turn at all.
    """
    quarters = reg.rotation_deg / 90.0
    nearest = round(quarters)
    if nearest % 4 == 0 or abs(quarters - nearest) * 90.0 > TURN_TOLERANCE_DEG:
        return 0
    return int(-nearest % 4)
