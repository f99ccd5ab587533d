"""Ridge regression whose media coefficients cannot go negative (spend never destroys revenue).

The baseline coefficients are free and eliminated in closed form; what remains is a small
non-negative least-squares problem in the media coefficients only (a few columns), solved by
``scipy.optimize.nnls`` on its Cholesky factor.  That makes one fit a few tens of
microseconds, which is what lets the hyper-parameter search try thousands of candidates.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, solve_triangular
from scipy.optimize import nnls


class BaseProjector:
    """Pre-computed ridge algebra for a fixed baseline design and penalty.

    Minimising ``||y - B b - M m||² + alpha (b' D b + ||m||²)`` over free ``b`` gives
    ``b = H (y - M m)`` with ``H = (B'B + alpha D)^-1 B'``; what is left for ``m`` uses
    ``P = I - B H`` (symmetric).  ``D`` is 1 on the diagonal except for the intercept.

    Parameters
    ----------
    base : ndarray of shape (n_weeks, n_base)
        Baseline design, intercept first.
    alpha : float
        Ridge penalty (> 0).
    """

    def __init__(self, base: np.ndarray, alpha: float) -> None:
        self.base = base
        self.alpha = float(alpha)
        penalty = np.ones(base.shape[1])
        penalty[0] = 0.0
        gram = base.T @ base + self.alpha * np.diag(penalty)
        self.h = np.linalg.solve(gram, base.T)

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """``P @ x`` for x of shape (n_weeks,) or (n_weeks, k)."""
        return x - self.base @ (self.h @ x)


def solve_media(media: np.ndarray, media_res: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """Non-negative media coefficients given ``media_res = P @ media`` (``P`` is not idempotent).

    Minimises ``m' (M'PM + alpha I) m - 2 m' M'Py`` subject to ``m >= 0``.
    """
    gram = media.T @ media_res + alpha * np.eye(media.shape[1])
    rhs = media_res.T @ y
    factor, _ = cho_factor(gram, lower=True)
    lower = np.tril(factor)
    coef, _ = nnls(lower.T, solve_triangular(lower, rhs, lower=True))
    return coef


def fit_nonneg_ridge(base: np.ndarray, media: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Ridge fit with free baseline and non-negative media coefficients.

    Parameters
    ----------
    base : ndarray of shape (n_weeks, n_base)
        Intercept first (unpenalised).
    media : ndarray of shape (n_weeks, n_channels)
    y : ndarray of shape (n_weeks,)
    alpha : float
        Penalty on every coefficient but the intercept.

    Returns
    -------
    base_coef : ndarray of shape (n_base,)
    media_coef : ndarray of shape (n_channels,), all >= 0

    Examples
    --------
    >>> base = np.ones((4, 1)); media = np.array([[0.], [1.], [2.], [3.]])
    >>> b, m = fit_nonneg_ridge(base, media, 10 + 2 * media[:, 0], 1e-9)
    >>> np.round([b[0], m[0]], 6).tolist()
    [10.0, 2.0]
    """
    proj = BaseProjector(base, alpha)
    media_coef = solve_media(media, proj.residualize(media), y, alpha)
    base_coef = proj.h @ (y - media @ media_coef)
    return base_coef, media_coef
