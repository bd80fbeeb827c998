"""Checks on model covariates before any fit (internal, shared by the regression models).

A model handed nonsense refuses it at once, naming the column, instead of building thousands
of indicator columns or reporting a coefficient that is not identified:

- :func:`numeric_text`: a text column whose cells are mostly numbers (a numeric column read
  as text because of a few blank cells, like ``TotalCharges`` in IBM's raw Telco file);
- :func:`check_levels`: a categorical column with more levels than the outcome can support;
- :func:`check_constant`: columns that do not vary;
- :func:`require_full_rank`: perfectly collinear columns (a rank-deficient design).

Each raises :class:`~cxanalytics.errors.CovariateError` naming the column(s), what was found
and what to do. :func:`check_covariates` runs the first three on the columns of a frame; the
fourth needs the numeric design.

Rule for the number of levels: a categorical covariate may have at most
``min(50, max(2, m // 5))`` levels, where ``m`` is the number of events (Cox) or the smaller
of the numbers of events and non-events (logistic regression). Each level but the reference
costs one coefficient; with fewer than about five events per coefficient the estimates are
biased and their intervals wrong (Peduzzi et al. 1996; Vittinghoff & McCulloch 2007), and a
column with more than 50 levels is almost always an identifier, free text or numbers stored
as text, not a grouping to estimate one effect per value of.

References
----------
Peduzzi, P., Concato, J., Kemper, E., Holford, T. R. & Feinstein, A. R. (1996). A simulation
study of the number of events per variable in logistic regression analysis. *Journal of
Clinical Epidemiology* 49(12), 1373-1379. Vittinghoff, E. & McCulloch, C. E. (2007). Relaxing
the rule of ten events per variable in logistic and Cox regression. *American Journal of
Epidemiology* 165(6), 710-718.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import CovariateError, describe

NUMERIC_TEXT_SHARE = 0.5  # a text column is "mostly numbers" from this share of cells on
MAX_LEVELS = 50
EVENTS_PER_LEVEL = 5
COLLINEAR_TOL = 1e-10  # smallest eigenvalue of the covariates' correlation matrix


def level_limit(m: int) -> int:
    """Most levels a categorical covariate may have with ``m`` events (see the module notes).

    Examples
    --------
    >>> level_limit(7), level_limit(100), level_limit(1869)
    (2, 20, 50)
    """
    return min(MAX_LEVELS, max(2, int(m) // EVENTS_PER_LEVEL))


def _is_text(s: pd.Series) -> bool:
    return not (isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s)
                or pd.api.types.is_numeric_dtype(s))


def _is_categorical(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s) or _is_text(s)


def _examples(values: pd.Series, k: int = 3) -> str:
    return ", ".join(repr(v) for v in pd.unique(values)[:k])


def _plain(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else v


def numeric_text(s: pd.Series, name: object, *, parameter: str = "covariates") -> None:
    """Refuse a text column whose non-missing cells are mostly numbers.

    Raises
    ------
    CovariateError
        When at least half of the non-missing cells read as numbers (after stripping
        spaces): the message gives that share, the blank cells (count, examples, rows), other
        text, and the conversion to apply.

    Examples
    --------
    >>> s = pd.Series(["29.85", "1889.5", " ", "108.15"], dtype=object)
    >>> try:
    ...     numeric_text(s, "TotalCharges")
    ... except CovariateError as err:
    ...     print(str(err).split("received text; ")[1].split("; expected")[0])
    3 of 4 non-missing cells (75.00%) are numbers; 1 blank (e.g. ' '; rows 2)
    """
    if not _is_text(s):
        return
    cells = s.dropna()
    if not len(cells):
        return
    stripped = cells.astype(str).str.strip()
    number = pd.to_numeric(stripped, errors="coerce").notna().to_numpy()
    share = float(number.mean())
    if share < NUMERIC_TEXT_SHARE:
        return
    blank = stripped.eq("").to_numpy()
    other = ~number & ~blank
    found = [f"{int(number.sum()):,} of {len(cells):,} non-missing cells ({share:.2%}) are numbers"]
    if blank.any():
        rows = ", ".join(map(str, cells.index[blank][:5]))
        found.append(f"{int(blank.sum()):,} blank (e.g. {_examples(cells[blank])}; rows {rows})")
    if other.any():
        found.append(f"{int(other.sum()):,} other text (e.g. {_examples(cells[other])})")
    col = f"df[{str(name)!r}]"
    as_text = "" if all(isinstance(v, str) for v in cells) else ".astype('string')"  # numbers mixed in
    fix = f"pd.to_numeric({col}{as_text}.str.strip().replace('', pd.NA)"
    fix += ", errors='coerce')" if other.any() else ")"
    problem = (f"Text covariate {str(name)!r} is mostly numbers: as text it would become one "
               f"indicator per distinct value ({cells.nunique():,} values)")
    raise CovariateError(
        describe(problem, column=name, parameter=parameter) + ": received text; " + "; ".join(found)
        + f"; expected a numeric column: convert it first, e.g. {col} = {fix} (blank cells become "
        "missing; decide whether they mean 0 or unknown), or make it a pandas Categorical if the "
        "numbers are codes of groups")


def check_levels(data: pd.DataFrame, columns: Sequence, *, m: int, what: str,
                 parameter: str = "covariates") -> None:
    """Refuse a categorical covariate with more than :func:`level_limit` (m) levels.

    ``what`` names ``m`` in the message (e.g. ``"events"``).
    """
    limit = level_limit(m)
    for name in columns:
        s = data[name]
        if not _is_categorical(s):
            continue
        levels = s.nunique(dropna=True)
        if levels <= limit:
            continue
        hint = ("it has a different value in almost every row: an identifier or free text?"
                if levels >= 0.5 * s.notna().sum() else
                "group rare levels together, or enter it as a number if it is one")
        raise CovariateError(describe(
            f"Categorical covariate {str(name)!r} has too many levels for the data: one "
            f"coefficient per level but the reference", column=name, parameter=parameter,
            received=f"{levels:,} levels with {m:,} {what}",
            expected=f"at most {limit} levels (min({MAX_LEVELS}, max(2, m // {EVENTS_PER_LEVEL})) "
            f"with m = {m:,} {what}); {hint}"))


def check_constant(data: pd.DataFrame, columns: Sequence, *, parameter: str = "covariates") -> None:
    """Refuse covariates that do not vary (in the rows used), naming all of them."""
    const = {name: _plain(data[name].dropna().iloc[0]) if data[name].notna().any() else None
             for name in columns if data[name].nunique(dropna=True) < 2}
    if const:
        raise CovariateError(describe(
            "Constant covariate(s): a column that does not vary has no estimable effect (it is "
            "collinear with the intercept or baseline); a categorical covariate needs two or "
            "more levels", column=", ".join(map(str, const)), parameter=parameter,
            received={str(k): v for k, v in const.items()}, expected="columns that vary"))


def check_covariates(data: pd.DataFrame, columns: Sequence, *, m: int, what: str,
                     parameter: str = "covariates") -> None:
    """Numbers stored as text, too many levels, constant columns: raise at the first found.

    ``data`` holds the rows the model will use; ``m`` and ``what`` as in :func:`check_levels`.
    """
    for name in columns:
        numeric_text(data[name], name, parameter=parameter)
    check_levels(data, columns, m=m, what=what, parameter=parameter)
    check_constant(data, columns, parameter=parameter)


def _relation(v: np.ndarray, sd: np.ndarray, names: Sequence[str]) -> str:
    """``"b = 2·a + 1·c (+ a constant)"`` from a null vector of the standardised columns."""
    k = int(np.flatnonzero(np.abs(v) >= np.abs(v).max() * (1 - 1e-6))[-1])  # last of the largest
    v = v / sd  # coefficients on the centred, unscaled columns: sum_j v_j x_j = const
    terms = [f"{-v[j] / v[k]:.4g}·{names[j]}" for j in range(len(v))
             if j != k and abs(v[j]) * sd[j] > 1e-6 * abs(v[k]) * sd[k]]
    return f"{names[k]} = " + (" + ".join(terms) if terms else "0") + " (+ a constant)"


def require_full_rank(x: np.ndarray, names: Sequence[str], *, groups: np.ndarray | None = None,
                      parameter: str = "covariates", tol: float = COLLINEAR_TOL) -> None:
    """Refuse a design whose columns are (almost exactly) linearly dependent.

    The columns are centred (within ``groups``, e.g. Cox strata, when given: shifts do not
    matter there) and scaled to unit variance; an eigenvalue of their correlation matrix at
    or below ``tol`` means one column is a linear combination of others (multiple R² of at
    least ``1 - tol``). The message names the columns involved and the relation.

    Raises
    ------
    CovariateError
        Columns constant (within groups), or perfectly collinear.

    Examples
    --------
    >>> x = np.column_stack([np.arange(6.0), 2 * np.arange(6.0) + 1, [1, 0, 2, 0, 1, 3.0]])
    >>> try:
    ...     require_full_rank(x, ["a", "b", "c"])
    ... except CovariateError as err:
    ...     print(str(err).split("received ")[1].split("; expected")[0])
    ['a', 'b']: b = 2·a (+ a constant)
    """
    x = np.asarray(x, dtype=float)
    g = np.zeros(len(x), dtype=int) if groups is None else np.asarray(groups)
    centred = x - pd.DataFrame(x).groupby(g).transform("mean").to_numpy()
    sd = np.sqrt((centred**2).mean(axis=0))
    flat = sd <= 1e-12 * np.maximum(1.0, np.abs(x).max(axis=0))
    if flat.any():
        bad = [names[j] for j in np.flatnonzero(flat)]
        raise CovariateError(describe(
            "Covariates are collinear: constant" + (" within strata" if groups is not None else ""),
            parameter=parameter, received=bad, expected="columns that vary"))
    z = centred / sd
    lam, vec = np.linalg.eigh(z.T @ z / len(z))
    null = vec[:, lam <= tol]
    if not null.shape[1]:
        return
    involved = sorted({j for v in null.T for j in np.flatnonzero(np.abs(v) > 1e-6)})
    relations = "; ".join(_relation(v, sd, names) for v in null.T)
    raise CovariateError(describe(
        "Covariates are collinear: some are exact linear combinations of others"
        + (" within strata" if groups is not None else ""), parameter=parameter,
        received=[names[j] for j in involved]) + f": {relations}; expected linearly independent "
        "columns (leave one of the named columns out)")
