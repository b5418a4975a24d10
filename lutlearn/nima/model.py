"""NIMA's MobileNet v1 (alpha 1.0, 224x224) as pure JAX functions over a parameter pytree.

The network is the idealo aesthetic model: a 3x3 stride-2 stem, 13 depthwise-
separable blocks, global average pooling, Dense(10) and a softmax over the
ratings 1..10 (see ``shared/nima/REFERENCE.md`` §1). BatchNorm is already folded
into each convolution's kernel and bias by :func:`lutlearn.nima.weights.fold_batchnorm`,
so every layer here is ``relu6(conv(x, w) + b)``.

Parameters (all float32):

.. code-block:: text

    {"stem":   {"w": (3, 3, 3, 32),  "b": (32,)},            # HWIO
     "blocks": [{"dw_w": (3, 3, 1, C), "dw_b": (C,),        # HWIO, one filter per channel
                 "pw_w": (C, C_out),   "pw_b": (C_out,)},   # 1x1 conv as a matrix
                ... 13 blocks ...],
     "head":   {"w": (1024, 10), "b": (10,)}}

Padding variants (explicit, never guessed):

- ``"keras216"``: a symmetric 1-pixel zero pad before every 3x3 conv, then a
  'valid' conv. The graph the weights were saved from (Keras 2.1.6); the default.
- ``"tfkeras"``: TensorFlow 'same' padding, i.e. stride-2 convs pad 0 before and
  1 after. What ``keras.applications.MobileNet`` builds today; scores differ by
  up to 0.45.

jax is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from lutlearn.errors import LutlearnError

__all__ = [
    "PADDINGS",
    "WIDTHS",
    "STRIDES",
    "INPUT_SIZE",
    "forward",
    "features",
    "stem_conv",
    "depthwise_shifted",
    "depthwise_grouped",
    "pointwise",
    "relu6",
]

PADDINGS = ("keras216", "tfkeras")
INPUT_SIZE = 224
# Pointwise output width and depthwise stride of blocks 1..13 (REFERENCE.md §1).
WIDTHS = (64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024)
STRIDES = (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1)


def _pads(padding: str, stride: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Zero padding ((top, bottom), (left, right)) before a 3x3 conv."""
    if padding not in PADDINGS:
        raise LutlearnError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if padding == "tfkeras" and stride == 2:
        return (0, 1), (0, 1)
    return (1, 1), (1, 1)


def relu6(x):
    """min(max(x, 0), 6), elementwise."""
    import jax.numpy as jnp

    return jnp.clip(x, 0.0, 6.0)


def stem_conv(x, w, b, *, padding: str = "keras216"):
    """The 3x3 stride-2 stem convolution (bias = folded BatchNorm), then ReLU6.

    Args:
        x: float32 (N, 224, 224, 3), NHWC, in [-1, 1].
        w: float32 (3, 3, 3, 32), HWIO.
        b: float32 (32,).
        padding: "keras216" or "tfkeras".

    Returns:
        float32 (N, 112, 112, 32).
    """
    from jax import lax

    y = lax.conv_general_dilated(x, w, (2, 2), _pads(padding, 2), dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return relu6(y + b)


def depthwise_shifted(x, w, b, *, stride: int, padding: str = "keras216"):
    """3x3 depthwise conv as 9 shifted multiply-adds on the padded input, then ReLU6.

    XLA:CPU compiles this into one fused elementwise loop: about 4.5 ms per image
    for all 13 layers on a 2-core CPU, against about 65 ms for XLA's grouped
    convolution (``scripts/bench_nima.py``). Results agree to float rounding.

    Args:
        x: float32 (N, H, W, C).
        w: float32 (3, 3, 1, C), one 3x3 filter per channel.
        b: float32 (C,).
        stride: 1 or 2.
        padding: "keras216" or "tfkeras".

    Returns:
        float32 (N, H', W', C) with H' = H // stride (H even when stride is 2).
    """
    import jax.numpy as jnp
    from jax import lax

    (top, bottom), (left, right) = _pads(padding, stride)
    xp = jnp.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    n, hp, wp, c = xp.shape
    ho, wo = (hp - 3) // stride + 1, (wp - 3) // stride + 1
    acc = None
    for dy in range(3):
        for dx in range(3):
            tap = lax.slice(xp, (0, dy, dx, 0), (n, dy + stride * (ho - 1) + 1, dx + stride * (wo - 1) + 1, c),
                            (1, stride, stride, 1))
            term = tap * w[dy, dx, 0]
            acc = term if acc is None else acc + term
    return relu6(acc + b)


def depthwise_grouped(x, w, b, *, stride: int, padding: str = "keras216"):
    """3x3 depthwise conv as a grouped convolution (``feature_group_count = C``), then ReLU6.

    Same arguments, result and shapes as :func:`depthwise_shifted`; kept as the
    textbook formulation for benchmarks and cross-checks.
    """
    from jax import lax

    y = lax.conv_general_dilated(x, w, (stride, stride), _pads(padding, stride),
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"), feature_group_count=x.shape[-1])
    return relu6(y + b)


def pointwise(x, w, b):
    """1x1 convolution as a matrix product over the channel axis, then ReLU6.

    Args:
        x: float32 (N, H, W, C).
        w: float32 (C, C_out).
        b: float32 (C_out,).

    Returns:
        float32 (N, H, W, C_out).
    """
    import jax.numpy as jnp

    return relu6(jnp.dot(x, w) + b)


def features(params, x, *, padding: str = "keras216", depthwise: str = "shifted"):
    """The MobileNet base: stem, 13 blocks and global average pooling, without the head.

    Args:
        params, x, padding, depthwise: as :func:`forward`.

    Returns:
        float32 (N, 1024): the pooled features the Dense(10) head reads.
    """
    if depthwise not in ("shifted", "grouped"):
        raise LutlearnError(f"depthwise must be 'shifted' or 'grouped', got {depthwise!r}")
    dw = depthwise_shifted if depthwise == "shifted" else depthwise_grouped
    y = stem_conv(x, params["stem"]["w"], params["stem"]["b"], padding=padding)
    for block, stride in zip(params["blocks"], STRIDES):
        y = dw(y, block["dw_w"], block["dw_b"], stride=stride, padding=padding)
        y = pointwise(y, block["pw_w"], block["pw_b"])
    return y.mean(axis=(1, 2))


def forward(params, x, *, padding: str = "keras216", depthwise: str = "shifted"):
    """Rating distribution of a batch of preprocessed images.

    Args:
        params: the folded parameter pytree (module docstring).
        x: float32 (N, 224, 224, 3), NHWC, RGB, scaled to [-1, 1] by
            :func:`lutlearn.nima.preprocess.to_network_input`.
        padding: "keras216" (default, faithful to the weights) or "tfkeras".
        depthwise: "shifted" (default, fastest on CPU) or "grouped".

    Returns:
        float32 (N, 10): softmax probabilities of the ratings 1..10.

    >>> import jax, numpy as np
    >>> from lutlearn.nima.weights import random_params
    >>> jax.jit(forward)(random_params(0), np.zeros((2, 224, 224, 3), np.float32)).shape
    (2, 10)
    """
    import jax

    pooled = features(params, x, padding=padding, depthwise=depthwise)
    logits = pooled @ params["head"]["w"] + params["head"]["b"]
    return jax.nn.softmax(logits, axis=-1)
