"""What every Omnimix estimator shares: scikit-learn's ``BaseEstimator``, one parameter check, one fitted check.

An estimator subclasses :class:`Estimator` (so ``get_params``, ``set_params``, ``clone`` and
``repr`` come from scikit-learn), stores its ``__init__`` arguments unchanged, declares their
allowed values once in a class-level ``_parameter_constraints`` and calls
``self._validate_params()`` first thing in ``fit``; methods that need a fitted model call
:func:`check_is_fitted`.  A bad value raises :class:`~core.errors.InvalidParameterError`
naming the parameter, the value and what is allowed; an unfitted model raises
:class:`~core.errors.NotFittedError`.

>>> class Model(Estimator):
...     _parameter_constraints = {"k": [Interval(int, 1, None)], "seed": [Interval(int, 0, None), None]}
...     def __init__(self, *, k=5, seed=None):
...         self.k, self.seed = k, seed
>>> Model(k=0)._validate_params()
Traceback (most recent call last):
...
core.errors.InvalidParameterError: k must be a whole number of at least 1; got 0.

Why not scikit-learn's own checker (``sklearn.utils._param_validation``, which its
``BaseEstimator._validate_params`` runs): the module is private (no deprecation promise), it
accepts ``True`` where a whole number is expected (``bool`` is an ``Integral``), and its
messages are written for programmers ("must be an int in the range [1, inf)", "an instance
of 'numpy.bool'") while ours reach people through the CLI and the pages.  The constraint
style is the same (a list of allowed forms per parameter, any one of which will do); the
checker below is the few lines the forms used here need.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.validation import check_is_fitted as sklearn_check_is_fitted

from core.errors import InvalidParameterError, NotFittedError


@dataclass(frozen=True)
class Interval:
    """Numbers from ``low`` to ``high`` inclusive (``None``: no bound).

    Parameters
    ----------
    kind : {int, float}
        ``int`` allows whole numbers only (Python or numpy ints); ``float`` any finite real
        number.  ``True``/``False`` are never numbers here: ``k=True`` is a mistake.
    low, high : int or float or None
    """

    kind: type
    low: float | None
    high: float | None

    def allows(self, value: object) -> bool:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral if self.kind is int else Real):
            return False
        if self.kind is float and not np.isfinite(value):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        what = "a whole number" if self.kind is int else "a number"
        if self.low is not None and self.high is not None:
            return f"{what} from {self.low} to {self.high}"
        if self.low is not None:
            return f"{what} of at least {self.low}"
        if self.high is not None:
            return f"{what} of at most {self.high}"
        return what


@dataclass(frozen=True)
class Options:
    """One of a few fixed values, e.g. ``Options(("kmeans", "minibatch"))``."""

    values: tuple

    def allows(self, value: object) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


BOOLEAN = Options((True, False))
"""``True`` or ``False`` (not 0 or 1)."""


def _allows(constraint: object, value: object) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, type):
        return isinstance(value, constraint)
    if constraint is BOOLEAN:
        return isinstance(value, (bool, np.bool_))
    return constraint.allows(value)


def _describe(constraint: object) -> str:
    if constraint is None:
        return "None"
    if constraint is BOOLEAN:
        return "True or False"
    if isinstance(constraint, type):
        return f"a {constraint.__name__}"
    return str(constraint)


def validate_params(constraints: dict[str, list], params: dict[str, Any]) -> None:
    """Check every parameter against its allowed forms (any one will do).

    Parameters
    ----------
    constraints : dict of str to list
        Per parameter, its allowed forms: an :class:`Interval`, :class:`Options`,
        :data:`BOOLEAN`, a type (any instance) or ``None`` (the value ``None``).
    params : dict of str to object
        Usually ``estimator.get_params(deep=False)``.

    Raises
    ------
    InvalidParameterError
        For the first parameter none of whose forms allows its value.
    TypeError
        When a parameter has no declared constraint (a programming error).
    """
    missing = sorted(set(params) - set(constraints))
    if missing:
        raise TypeError(f"No _parameter_constraints for {', '.join(missing)}.")
    for name, value in params.items():
        allowed: Iterable = constraints[name]
        if not any(_allows(c, value) for c in allowed):
            forms = [_describe(c) for c in allowed]
            listed = forms[0] if len(forms) == 1 else ", ".join(forms[:-1]) + " or " + forms[-1]
            raise InvalidParameterError(f"{name} must be {listed}; got {value!r}.")


def check_is_fitted(estimator: BaseEstimator, attributes: str | list[str]) -> None:
    """Raise :class:`~core.errors.NotFittedError` unless ``estimator`` has the fitted ``attributes``.

    scikit-learn's ``check_is_fitted`` does the check; its error becomes ours, whose message
    is the same for every estimator.
    """
    try:
        sklearn_check_is_fitted(estimator, attributes)
    except SklearnNotFittedError:
        raise NotFittedError(f"This {type(estimator).__name__} is not fitted yet; call fit first.") from None


class Estimator(BaseEstimator):
    """scikit-learn's ``BaseEstimator`` with Omnimix's parameter check.

    Subclasses declare ``_parameter_constraints`` for every ``__init__`` parameter and call
    ``self._validate_params()`` at the start of ``fit``.
    """

    _parameter_constraints: ClassVar[dict[str, list]] = {}

    def _validate_params(self) -> None:
        """Check the parameters against ``_parameter_constraints``, see :func:`validate_params`."""
        validate_params(self._parameter_constraints, self.get_params(deep=False))
