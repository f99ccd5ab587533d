"""EASE: a closed-form linear item-item model (Steck 2019, "Embarrassingly Shallow Autoencoders").

With ``X`` the customers × products interactions and ``G = XᵀX`` its Gram matrix, EASE learns
the products × products weights ``B`` that best rebuild ``X`` from itself, ``min ‖X − XB‖² +
λ‖B‖²`` with ``diag(B) = 0`` so a product cannot explain itself.  The solution is closed form:

    P = (G + λI)⁻¹,    B = I − P · diag(1 / diag(P)),   i.e.  B_ij = −P_ij / P_jj,  B_jj = 0.

A customer's score for product ``j`` is ``Σ_i x_ui · B_ij`` (their sparse row times ``B``).
Unlike item-kNN's cosine, weights can be negative: "customers who bought i rarely also buy j".

Four options, each off by default (plain EASE) and chosen on validation by :mod:`core.recs.tuning`:

- ``dropout`` ``p`` (EDLAE, Steck 2020, "Autoencoders that don't overfit towards the identity"):
  training as a denoising autoencoder that drops each input with probability ``p`` gives the
  same closed form with a ridge per product, ``λ_j = λ + p / (1 − p) · G_jj``: popular products,
  which could otherwise explain themselves through their neighbours, are shrunk more.  Only
  the diagonal added to ``G`` changes, so it costs nothing.
- ``user_exponent`` ``a``: the Gram is ``Xᵀ D X`` with ``D = degree^−a`` per customer (degree:
  the number of products in their row), so heavy users, who co-buy everything with
  everything, weigh less.  ``D`` is rescaled so that the sum of all Gram entries is unchanged
  and ``λ`` keeps its meaning.
- ``pop_exponent`` ``b``: scores are divided by ``(customers of the product + 1)^b``, a
  popularity penalty applied after the product (the weights and the reasons do not change).
- ``lowpass_rank`` ``r`` and ``lowpass_weight`` ``w`` (GF-CF's ideal low-pass filter, Shen et al.
  2021, "How powerful is graph convolution for recommendation?"): with ``R̃ = D_U^−½ X D_I^−½``
  (row and column sums of ``X``) and ``V`` its top ``r`` right singular vectors
  (``scipy.sparse.linalg.svds`` on the sparse ``R̃``), the weights become
  ``(1 − w) · B + w · D_I^−½ V Vᵀ D_I^½`` (diagonal zeroed).  Both terms rebuild ``X`` from
  itself, so their scales match without rescaling.

And ``l2_interactions`` ``m`` (0: off): λ was chosen on a matrix of ``m`` stored interactions, and is
scaled by ``m / nnz`` for the ``nnz`` of the matrix fitted.  The search sets it to its validation
matrices' size, so the refit on the larger training part gets a proportionally smaller λ (measured
on MovieLens with validation only, docs/recommendations.md, fifth pass).

Cost: ``G`` is built from the sparse matrix (scipy.sparse), then one dense Cholesky inverse of
a products × products matrix: time grows with the cube and memory with the square of the
number of products.  Above ``max_products`` the model keeps only the most-bought products
(:data:`MAX_PRODUCTS`, chosen from ``benchmarks/bench_recs.py``; see docs/recommendations.md)
and says so in its :attr:`EASE.summary`; the other products get no EASE score (popularity
fills the list as for every model).
"""

from __future__ import annotations

import copy

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from threadpoolctl import threadpool_limits

from core.errors import OmnimixError
from core.estimator import Interval
from core.recs import columns as C
from core.recs import explain
from core.recs.base import Recommender
from core.recs.interactions import Interactions

MAX_PRODUCTS = 10_000
"""Default largest catalogue EASE inverts whole (measured: about 0.8 GB and tens of seconds on one core at 10k)."""
BLAS_THREADS = 1
"""Threads of the Cholesky inverse.  On this 2-core machine shared by other work, OpenBLAS's
default threading made the 2,500-product inverse 4-6x *slower* than one thread (8.8-12.4 s
against 2.1-2.3 s at load average 7, ``benchmarks/bench_recs.py --ease-scaling``)."""
DEFAULT_L2 = 500.0
"""Ridge λ when none is chosen on validation (Steck's MovieLens value; see :mod:`core.recs.tuning`)."""


def gram(matrix: sp.spmatrix, *, user_exponent: float = 0.0) -> np.ndarray:
    """``XᵀX`` (or ``Xᵀ D X``) of the sparse ``matrix`` as a dense float32 array (the sparse product, densified once).

    The sparse product costs about Σ (products per customer)², far less than a dense one
    (measured on the 50k sample: 2.9 s against 7.4 s for dense row blocks through BLAS).
    With ``user_exponent`` ``a > 0`` each row is weighted by :func:`user_weights` first.
    """
    x = sp.csr_matrix(matrix, dtype=np.float32)
    xt = x.T.tocsr()
    if user_exponent:
        x = sp.diags(user_weights(x, user_exponent)) @ x
    return np.asarray((xt @ x).toarray(), dtype=np.float32)


def user_weights(matrix: sp.csr_matrix, user_exponent: float) -> np.ndarray:
    """Row weights ``degree^−a`` (float32; degree = stored products per row), scaled to keep the Gram's total.

    The sum of all entries of ``Xᵀ D X`` is ``Σ_u d_u s_u²`` with ``s_u`` the row sums, so the
    weights are divided by ``Σ d_u s_u² / Σ s_u²``: λ then means the same whatever ``a``.
    Empty rows get weight 0.
    """
    x = sp.csr_matrix(matrix)
    degree = np.diff(x.indptr).astype(np.float64)
    raw = np.divide(1.0, degree ** float(user_exponent), out=np.zeros_like(degree), where=degree > 0)
    sums2 = np.asarray(x.sum(axis=1), dtype=np.float64).ravel() ** 2
    total = float((raw * sums2).sum())
    scale = float(sums2.sum()) / total if total > 0 else 1.0
    return (raw * scale).astype(np.float32)


def ridge(gram_matrix: np.ndarray, l2: float, dropout: float = 0.0) -> float | np.ndarray:
    """The ridge added to the Gram's diagonal: ``λ``, or EDLAE's ``λ + p / (1 − p) · diag(G)`` for dropout ``p``."""
    if not dropout:
        return float(l2)
    return float(l2) + dropout / (1.0 - dropout) * np.diag(gram_matrix).astype(np.float64)


def ease_weights(gram_matrix: np.ndarray, l2: float | np.ndarray) -> np.ndarray:
    """The EASE weights ``B`` (float32, zero diagonal) from a Gram matrix and ridge ``l2``; the input is not modified.

    ``l2`` is one λ or one per product (a vector, e.g. :func:`ridge` with dropout).

    ``G + λI`` is symmetric positive definite for ``λ > 0``, so its inverse comes from a
    Cholesky factorisation (LAPACK ``potrf``/``potri``), about half the work of a general
    inverse.  In float32 (twice as fast as float64, half the memory): for the λ of the
    validation grid (50 and up) the condition number, at most (largest eigenvalue of ``G`` + λ) / λ,
    stays in the hundreds on the sample; a tiny λ on a large catalogue would want float64.
    Everything after the copy of ``G`` happens in place, so the peak is about two n × n float32 arrays.
    """
    a = np.array(gram_matrix, dtype=np.float32, order="F", copy=True)
    a[np.diag_indices_from(a)] += np.asarray(l2, dtype=np.float32)
    potrf, potri = sla.get_lapack_funcs(("potrf", "potri"), (a,))
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        factor, info = potrf(a, lower=False, overwrite_a=True)
        if info != 0:
            raise OmnimixError(f"EASE could not invert the Gram matrix (LAPACK potrf info {info}); try a larger l2.")
        inv, info = potri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise OmnimixError(f"EASE could not invert the Gram matrix (LAPACK potri info {info}); try a larger l2.")
    _mirror_upper(inv)
    inv /= -np.diag(inv).copy()[None, :]
    np.fill_diagonal(inv, 0.0)
    return np.ascontiguousarray(inv)


def _mirror_upper(a: np.ndarray, *, step: int = 1024) -> None:
    """Copy the upper triangle of square ``a`` onto its lower one, in place, a block of rows at a time."""
    n = a.shape[0]
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        a[lo:hi, :lo] = a[:lo, lo:hi].T
        block = np.triu(a[lo:hi, lo:hi])
        a[lo:hi, lo:hi] = block + np.triu(block, 1).T


def lowpass_basis(matrix: sp.spmatrix, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """GF-CF's basis: the top ``rank`` right singular vectors of ``R̃ = D_U^−½ X D_I^−½`` and the column sums ``d``.

    ``D_U`` and ``D_I`` hold the row and column sums of ``matrix`` (empty ones stay zero).
    Returns ``V`` (float64, products × rank', columns by decreasing singular value;
    ``rank' = min(rank, min(shape) − 1)``, 0 columns for an empty matrix) and ``d`` (float64, per product).  ARPACK
    (``svds``) from a fixed start vector, so the same matrix gives the same basis.
    """
    x = sp.csr_matrix(matrix, dtype=np.float64)
    rows = np.asarray(x.sum(axis=1)).ravel()
    cols = np.asarray(x.sum(axis=0)).ravel()
    inv_sqrt = lambda v: np.divide(1.0, np.sqrt(v), out=np.zeros_like(v), where=v > 0)  # noqa: E731
    normed = sp.csr_matrix(sp.diags(inv_sqrt(rows)) @ x @ sp.diags(inv_sqrt(cols)))
    k = min(int(rank), min(normed.shape) - 1)
    if k < 1 or normed.nnz == 0:  # one product or customer, or nothing bought: no low-pass term
        return np.zeros((normed.shape[1], 0)), cols
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        _, s, vt = spla.svds(normed, k=k, v0=np.ones(min(normed.shape)) / np.sqrt(min(normed.shape)))
    order = np.argsort(-s, kind="stable")
    return np.ascontiguousarray(vt[order].T), cols


def lowpass_weights(ease: np.ndarray, basis: tuple[np.ndarray, np.ndarray], rank: int, weight: float) -> np.ndarray:
    """``(1 − weight) · ease + weight · D_I^−½ V Vᵀ D_I^½`` (float32, zero diagonal) with ``V`` the first ``rank`` basis columns.

    ``basis`` is :func:`lowpass_basis`'s ``(V, d)``; a product with ``d = 0`` gets no low-pass weight.
    """
    v, d = basis
    v = v[:, :max(1, int(rank))]
    root = np.sqrt(d)
    inv_root = np.divide(1.0, root, out=np.zeros_like(root), where=root > 0)
    low = ((v * inv_root[:, None]) @ (v * root[:, None]).T).astype(np.float32)
    out = (1.0 - weight) * ease + np.float32(weight) * low
    np.fill_diagonal(out, 0.0)
    return out.astype(np.float32, copy=False)


def most_bought(interactions: Interactions, limit: int) -> np.ndarray:
    """Column indices of the ``limit`` products with the most customers interacting, ascending (ties: lower index)."""
    n = interactions.n_products
    if n <= limit:
        return np.arange(n)
    customers = np.diff(sp.csc_matrix(interactions.matrix).indptr)
    order = np.lexsort((np.arange(n), -customers))
    return np.sort(order[:limit])


class EASE(Recommender):
    """Recommend with EASE's closed-form item-item weights; see the module docstring.

    Parameters
    ----------
    l2 : float, default=500.0
        Ridge strength λ (at least 0.001): larger values shrink the weights towards zero.
        The evaluation and the page choose it on a validation split of the training weeks
        (:func:`core.recs.tuning.tune`).
    dropout : float, default=0.0
        EDLAE's dropout probability ``p`` (0 to 0.95): ``p / (1 − p) · G_jj`` is added to the
        ridge of product ``j``.  0 is plain EASE.
    user_exponent : float, default=0.0
        ``a`` (0 to 2) of the customer weights ``degree^−a`` in the Gram ``Xᵀ D X``.  0 is plain EASE.
    pop_exponent : float, default=0.0
        ``b`` (0 to 2): scores are divided by ``(customers of the product + 1)^b``.  0 is plain EASE.
    lowpass_rank : int, default=0
        ``r``: singular vectors of GF-CF's normalised matrix kept in the low-pass term (used only
        with ``lowpass_weight > 0``; at most the catalogue size − 1).
    lowpass_weight : float, default=0.0
        ``w`` (0 to 1) of the low-pass term, ``(1 − w) · B + w · D_I^−½ V Vᵀ D_I^½``.  0 is plain EASE.
    l2_interactions : float, default=0.0
        Stored interactions of the matrix ``l2`` was chosen on; when above 0, the λ used is
        ``l2 × l2_interactions / nnz`` (``nnz``: stored interactions of the modelled matrix).  0 uses ``l2`` as is.
    max_products : int, default=10000
        Largest catalogue inverted whole; above it only the ``max_products`` most-bought
        products are modelled (the others are never recommended by EASE itself).

    Attributes
    ----------
    weights_ : ndarray of float32, shape (n_modelled, n_modelled)
        ``B``, zero diagonal; rows and columns follow ``products_``.
    products_ : ndarray of int, shape (n_modelled,)
        Matrix columns (product indices) that are modelled, ascending.
    restricted_ : bool
        Whether the catalogue was larger than ``max_products``.
    item_customers_ : ndarray of int, shape (n_modelled,)
        Customers with an interaction per modelled product (the popularity of ``pop_exponent``).

    Examples
    --------
    >>> EASE(l2=250.0, dropout=0.5).get_params()["dropout"]
    0.5
    """

    name = "ease"
    label = "EASE"
    _parameter_constraints = {"l2": [Interval(float, 0.001, None)], "dropout": [Interval(float, 0.0, 0.95)],
                              "user_exponent": [Interval(float, 0.0, 2.0)], "pop_exponent": [Interval(float, 0.0, 2.0)],
                              "lowpass_rank": [Interval(int, 0, None)], "lowpass_weight": [Interval(float, 0.0, 1.0)],
                              "l2_interactions": [Interval(float, 0.0, None)],
                              "max_products": [Interval(int, 1, None)]}

    def __init__(self, *, l2: float = DEFAULT_L2, dropout: float = 0.0, user_exponent: float = 0.0,
                 pop_exponent: float = 0.0, lowpass_rank: int = 0, lowpass_weight: float = 0.0,
                 l2_interactions: float = 0.0, max_products: int = MAX_PRODUCTS):
        self.l2 = l2
        self.dropout = dropout
        self.user_exponent = user_exponent
        self.pop_exponent = pop_exponent
        self.lowpass_rank = lowpass_rank
        self.lowpass_weight = lowpass_weight
        self.l2_interactions = l2_interactions
        self.max_products = max_products

    @property
    def summary(self) -> str:
        """One sentence for the page, naming λ (and the options in use) and, when the catalogue was cut, how far."""
        options = [f"ridge λ = {float(self.l2):g}" if not self.l2_interactions or not hasattr(self, "_matrix")
                   else f"ridge λ = {self.effective_l2(self._matrix.nnz):.4g}"]
        if self.dropout:
            options.append(f"dropout {float(self.dropout):g}")
        if self.user_exponent:
            options.append(f"customers with many products weigh less: count^−{float(self.user_exponent):g}")
        if self.pop_exponent:
            options.append(f"popular products held back: customers^−{float(self.pop_exponent):g}")
        if self._lowpass_on():
            options.append(f"rank-{int(self.lowpass_rank)} low-pass filter at weight {float(self.lowpass_weight):g}")
        text = f"A linear model of which products go together, learned in closed form from all customers ({'; '.join(options)})."
        if getattr(self, "restricted_", False):
            text += (f" The catalogue has {self.interactions_.n_products:,} products, more than the "
                     f"{self.max_products:,} EASE models at once: only the {self.max_products:,} most-bought are used.")
        return text

    def effective_l2(self, nnz: int) -> float:
        """The λ used on a matrix of ``nnz`` stored interactions: ``l2``, times ``l2_interactions / nnz`` when that is set."""
        if not self.l2_interactions or nnz <= 0:
            return float(self.l2)
        return float(self.l2) * float(self.l2_interactions) / float(nnz)

    def _lowpass_on(self) -> bool:
        return bool(self.lowpass_weight) and int(self.lowpass_rank) > 0

    def fit(self, interactions: Interactions, *, gram_matrix: np.ndarray | None = None) -> EASE:
        """Learn ``weights_`` from ``interactions``; returns ``self``.

        ``gram_matrix`` (optional) is the Gram of the modelled products as :func:`gram` gives it
        with this model's ``user_exponent``, so a search on one split computes it once
        (:func:`core.recs.ease_search.choose_ease`; it tries low-pass terms with :meth:`with_lowpass`).
        """
        self._given_gram = gram_matrix
        try:
            return super().fit(interactions)
        finally:
            self._given_gram = None

    def _fit(self, interactions: Interactions) -> None:
        self.products_ = most_bought(interactions, self.max_products)
        self.restricted_ = self.products_.shape[0] < interactions.n_products
        self._position = np.full(interactions.n_products, -1, dtype=np.int64)
        self._position[self.products_] = np.arange(self.products_.shape[0])
        self._matrix = interactions.matrix[:, self.products_] if self.restricted_ else interactions.matrix
        given = getattr(self, "_given_gram", None)
        n = self.products_.shape[0]
        if given is not None and given.shape != (n, n):
            raise OmnimixError(f"The Gram matrix given to EASE is {given.shape}, not ({n}, {n}).")
        g = gram(self._matrix, user_exponent=float(self.user_exponent)) if given is None else given
        self._ease_weights = ease_weights(g, ridge(g, self.effective_l2(self._matrix.nnz), float(self.dropout)))
        self.weights_ = self._ease_weights
        if self._lowpass_on():
            basis = lowpass_basis(self._matrix, int(self.lowpass_rank))
            self.weights_ = lowpass_weights(self._ease_weights, basis, int(self.lowpass_rank), float(self.lowpass_weight))
        self.item_customers_ = np.diff(sp.csc_matrix(self._matrix).indptr)
        self._set_divisor()

    def _set_divisor(self) -> None:
        b = float(self.pop_exponent)
        self._divisor = None if not b else ((self.item_customers_ + 1.0) ** b)[None, :]

    def with_pop_exponent(self, pop_exponent: float) -> EASE:
        """A fitted copy with another ``pop_exponent``, sharing the weights (no refit: the penalty is applied to scores).

        What :func:`core.recs.tuning.choose_ease` tries per popularity exponent.
        """
        self._check_fitted()
        other = copy.copy(self)
        other.pop_exponent = pop_exponent
        other._validate_params()
        other._set_divisor()
        return other

    def with_lowpass(self, rank: int, weight: float, basis: tuple[np.ndarray, np.ndarray]) -> EASE:
        """A fitted copy with another low-pass term on the same EASE weights (no new inverse).

        ``basis`` is :func:`lowpass_basis` of this model's matrix; what
        :func:`core.recs.ease_search.choose_ease` tries per rank and weight.
        """
        self._check_fitted()
        other = copy.copy(self)
        other.lowpass_rank, other.lowpass_weight = rank, weight
        other._validate_params()
        other.weights_ = (lowpass_weights(self._ease_weights, basis, int(rank), float(weight))
                          if other._lowpass_on() else self._ease_weights)
        return other

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        part = np.asarray(self._matrix[rows] @ self.weights_, dtype=np.float64)
        if self._divisor is not None:
            part /= self._divisor
        if not self.restricted_:
            return part
        scores = np.zeros((part.shape[0], self.interactions_.n_products))
        scores[:, self.products_] = part
        return scores

    def _explain(self, row: int, items: np.ndarray) -> list[str]:
        inter = self.interactions_
        hist = inter.matrix[row]
        pos = self._position[hist.indices]
        kept = pos >= 0
        hist = sp.csr_matrix((hist.data[kept], hist.indices[kept], [0, int(kept.sum())]), shape=hist.shape)
        item_pos = self._position[items]
        weights = np.zeros((int(kept.sum()), len(items)), dtype=np.float32)
        ok = item_pos >= 0
        weights[:, ok] = self.weights_[np.ix_(pos[kept], item_pos[ok])]
        return explain.top_reasons(hist, inter.bought[row], weights, inter.products[C.NAME].to_numpy())
