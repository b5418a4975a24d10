"""Exceptions and warnings raised by lutlearn.

Every error a user can cause is a :class:`LutlearnError`; the CLI turns it into
one line on stderr and exit status 1. Programming errors stay ordinary
exceptions.
"""


class LutlearnError(ValueError):
    """Bad input: a file, a parameter or data that lutlearn cannot use."""


class ImageReadError(LutlearnError):
    """An image file is missing, unreadable, truncated or holds unusable data."""


class CubeParseError(LutlearnError):
    """A ``.cube`` file does not follow the format."""


class HaldError(LutlearnError):
    """An image is not a valid Hald CLUT."""


class ShapeError(LutlearnError):
    """An array does not have the shape a function requires."""


class ModelFileError(LutlearnError):
    """A learned-model file is unreadable or from an unknown format version."""


class RatingsError(LutlearnError):
    """Unusable ratings for NIMA training: a missing or malformed file, a missing image, a rating out of
    range, or nothing rated at all."""


class LutlearnWarning(UserWarning):
    """A soft problem: data dropped in conversion, clipping, no convergence."""
