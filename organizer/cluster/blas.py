# SPDX-License-Identifier: MIT
"""One BLAS thread for the clustering's many small matrix products.

The clustering and the review multiply thousands of small blocks (an inverted-file cell's few hundred faces by
its queries). OpenBLAS splits each over every core; on a 2-core laptop that is also indexing, or running
anything else, its threads wait on each other for a scheduler slice per product: 390 products of 10 x 1152 by
1152 x 256 took 9.4 s with two threads on a busy 2-core machine and 0.12 s with one. The big products lose
little with one thread there, since the other core is busy anyway. threadpoolctl (BSD, pure Python) sets the
limit at run time for the libraries numpy and scipy loaded, whichever BLAS that is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Within the block, BLAS (numpy's and scipy's matrix products) runs on the calling thread only."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
