"""One BLAS thread for the fitting solvers (:func:`one_blas_thread`)."""

from __future__ import annotations

__all__ = ["one_blas_thread"]


def one_blas_thread():
    """A context in which numpy's, scipy's and OpenCV's BLAS run on one thread.

    The solvers make many small BLAS calls (CG on a 33^3 lattice, a 227-parameter network): the
    extra OpenBLAS threads only spin there, and on a busy 2-core machine spinning threads made
    one photo fit 40x slower (210 s instead of 5.6 s, measured). threadpoolctl only limits
    libraries already loaded, so every BLAS user is imported first.
    """
    import cv2  # noqa: F401
    import scipy.linalg
    import scipy.optimize
    import scipy.sparse.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")
