"""One BLAS thread for the fitting solvers (:func:`one_blas_thread`)."""

from __future__ import annotations

import os

__all__ = ["one_blas_thread", "solver_threads"]


def one_blas_thread():
    """A context in which numpy's, scipy's and OpenCV's BLAS run on one thread.

    The solvers make many small BLAS calls (CG on a 33^3 lattice, a 227-parameter network): the
    extra OpenBLAS threads only spin there, and on a busy 2-core machine spinning threads made
    one photo fit 40x slower (210 s instead of 5.6 s, measured). threadpoolctl only limits
    libraries already loaded, so every library that brings its own BLAS is imported first:
    numpy, scipy (scipy.linalg loads its OpenBLAS; scipy.optimize adds none, checked with
    threadpoolctl, and is not imported here: it costs 0.1-0.2 s) and OpenCV.
    """
    import cv2  # noqa: F401
    import scipy.linalg
    import scipy.sparse.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def solver_threads(most: int = 2) -> int:
    """How many Python threads to give independent solver work (the luma and chroma systems, the channels
    of one system): ``most``, or fewer where the process may run on fewer CPUs. scipy's sparse products
    and mat-vecs release the GIL, so such threads run side by side; their results do not depend on how
    many there are.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(most, cpus))
