"""The log-rank test and its result, :class:`LogrankResult`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..._core.validate import as_list, renamed_parameters
from ...errors import ParameterError, describe
from ._kmprep import _count, _prepare

__all__ = ["LogrankResult", "logrank"]

#: Public attributes of a DataFrame: on a LogrankResult they reach the old per-group frame
#: (with a FutureWarning) for one release.  Private and dunder names never do, so that probing
#: by pandas, NumPy, IPython, copy and pickle (``_repr_html_``, ``__array__``, ...) stays silent.
_FRAME_API = frozenset(name for name in dir(pd.DataFrame) if not name.startswith("_"))

#: Below this a p-value is shown as a bound: chi-square tails underflow to 0 in double precision.
_P_FLOOR = 1e-300


@dataclass(frozen=True, eq=False)
class LogrankResult:
    """Log-rank test returned by :func:`logrank`: the test once, and one row per group.

    Attributes
    ----------
    statistic : float
        Chi-square statistic of the test that all the groups' survival curves are equal.
    df : int
        Degrees of freedom (groups - 1, less where groups are linearly dependent).
    p_value : float
        Upper tail of the chi-square distribution at ``statistic``.
    n_groups : int
        Number of groups compared.
    groups : DataFrame
        One row per group: the ``by`` column(s), ``n`` (subjects), ``observed`` (events) and
        ``expected`` (events expected under equal hazards).
    by : tuple of str
        The grouping column(s).

    Notes
    -----
    Until 0.2, :func:`logrank` returned one DataFrame: ``groups`` with the test repeated on
    every row (``statistic``, ``df``, ``p_value`` columns).  DataFrame-style use of the result
    (``res["p_value"]``, ``res.set_index("g")``, ``res.iloc[0]``, ``len(res)``) still reaches that
    frame for one release, with a ``FutureWarning``.  The attributes ``res.statistic``,
    ``res.df`` and ``res.p_value`` are the numbers themselves now, not columns.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [3, 5, 7, 9, 4, 10, 12, 15],
    ...                    "churned": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                    "tier": ["basic"] * 4 + ["premium"] * 4})
    >>> res = logrank(df, duration="days", event="churned", by="tier")
    >>> res.summary()[["n_groups", "n", "observed", "df"]].to_dict("records")
    [{'n_groups': 2, 'n': 8, 'observed': 6, 'df': 1}]
    >>> print(res)  # doctest: +NORMALIZE_WHITESPACE
    Log-rank test, 2 groups by tier: chi-square 1.393 on 1 df, p = 0.238 (8 subjects, 6 events)
          tier  n  observed  expected
    0    basic  4         3  1.828571
    1  premium  4         3  4.171429
    """

    statistic: float
    df: int
    p_value: float
    n_groups: int
    groups: pd.DataFrame
    by: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """The test in one row.

        Returns
        -------
        DataFrame
            One row: ``n_groups``, ``n`` (subjects), ``observed`` (events in all groups),
            ``statistic`` (chi-square), ``df``, ``p_value``.
        """
        return pd.DataFrame({"n_groups": [self.n_groups], "n": [self.groups["n"].sum()],
                             "observed": [self.groups["observed"].sum()], "statistic": [self.statistic],
                             "df": [self.df], "p_value": [self.p_value]})

    def _test_line(self) -> str:
        p = f"p < {_P_FLOOR:g}" if self.p_value < _P_FLOOR else f"p = {self.p_value:.3g}"
        by = f" by {', '.join(map(str, self.by))}" if self.by else ""
        return (f"chi-square {self.statistic:.4g} on {self.df} df, {p} ({self.groups['n'].sum():,} subjects, "
                f"{self.groups['observed'].sum():,} events)"), f"{self.n_groups} groups{by}"

    def __repr__(self) -> str:
        test, groups = self._test_line()
        return f"Log-rank test, {groups}: {test}\n{self.groups.to_string()}"

    def _repr_html_(self) -> str:
        test, groups = self._test_line()
        return f"<p><b>Log-rank test</b>, {groups}: {test}</p>" + self.groups.to_html(index=False)

    # ------------------------------------------------------------ the old DataFrame, one release
    def _old_frame(self, use: str) -> pd.DataFrame:
        warnings.warn(
            f"logrank returns a LogrankResult now, not a DataFrame: {use} reads the old per-group frame "
            "(the test repeated on every row), which goes away in the next release. Use .statistic, .df, "
            ".p_value and .n_groups for the test, .groups for one row per group (n, observed, expected) "
            "and .summary() for the test in one row", FutureWarning, stacklevel=3)
        return self.groups.assign(observed=self.groups["observed"].astype(float), statistic=self.statistic,
                                  df=self.df, p_value=self.p_value)

    def __getitem__(self, key):
        groups = self.__dict__.get("groups")
        if isinstance(key, int) and groups is not None and key not in groups.columns:
            # NumPy probes result[0] when a result sits in a list it converts: the old frame had
            # no such column either, so the answer is the same KeyError, without a warning
            raise KeyError(key)
        return self._old_frame(f"result[{key!r}]")[key]

    def __getattr__(self, name: str):
        # Only reached when ordinary lookup fails: the fields and methods above always win.
        groups = self.__dict__.get("groups")
        if not name.startswith("_") and groups is not None and (name in _FRAME_API or name in groups.columns):
            return getattr(self._old_frame(f"result.{name}"), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __len__(self) -> int:
        return len(self._old_frame("len(result)"))

    def __bool__(self) -> bool:  # a result is true; without this, bool() would call __len__
        return True


@renamed_parameters(group="by")
def logrank(data: pd.DataFrame, *, duration: str, event: str,
            by: str | Sequence[str]) -> LogrankResult:
    r"""Log-rank (Mantel-Haenszel) test that two or more survival curves are equal.

    Parameters
    ----------
    data : DataFrame
        One row per subject.
    duration, event : str
        Columns of times and event indicators (1/True event, 0/False censored).
    by : str or list of str
        Column(s) defining the groups to compare (at least two groups).
        (Called ``group`` before 0.2; the old name still works, with a ``FutureWarning``.)

    Returns
    -------
    LogrankResult
        The test: ``statistic`` (chi-square), ``df`` (groups - 1), ``p_value``, ``n_groups``;
        ``groups``, one row per group: the ``by`` column(s), ``n`` (subjects), ``observed``
        (events), ``expected`` (events expected under equal hazards); ``summary()``, the test in
        one row (``n_groups``, ``n``, ``observed``, ``statistic``, ``df``, ``p_value``).  Before
        0.2 the result was one DataFrame with the test repeated on every row: DataFrame-style
        use of the result still reaches it for one release, with a ``FutureWarning``.

    Raises
    ------
    ColumnError, ParameterError
        Invalid columns or values (see :func:`kaplan_meier`), fewer than two groups.

    Warns
    -----
    DataQualityWarning
        Rows with a missing value in a ``by`` column are left out; the message gives their
        number and share.

    Notes
    -----
    At each distinct event time :math:`t` with :math:`d_t` events among :math:`n_t` at risk,
    group :math:`j` has :math:`d_{jt}` events among :math:`n_{jt}` at risk;
    :math:`E_j = \sum_t n_{jt} d_t / n_t` and
    :math:`V_{jk} = \sum_t \frac{d_t (n_t - d_t)}{n_t - 1} \frac{n_{jt}}{n_t}
    (\delta_{jk} - \frac{n_{kt}}{n_t})`.
    The statistic :math:`(O - E)^\top V^{-} (O - E)` over all groups but one is chi-square
    with (groups - 1) degrees of freedom under the null hypothesis. For two groups it is the
    square of the z statistic of :func:`scipy.stats.logrank`.  Summed over the groups, the
    observed events equal the expected ones.

    References
    ----------
    Mantel, N. (1966). Cancer Chemotherapy Reports 50, 163-170. Peto, R. & Peto, J. (1972).
    JRSS A 135, 185-207.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days": [3, 5, 7, 9, 4, 10, 12, 15],
    ...                    "churned": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                    "tier": ["basic"] * 4 + ["premium"] * 4})
    >>> res = logrank(df, duration="days", event="churned", by="tier")
    >>> round(res.statistic, 4), res.df, round(res.p_value, 4)
    (1.3933, 1, 0.2379)
    >>> res.groups[["tier", "observed"]].to_dict("list")
    {'tier': ['basic', 'premium'], 'observed': [3, 3]}
    """
    cols = as_list(by)
    if not cols:
        raise ParameterError(describe("A grouping column is required", parameter="by",
                                      received=by, expected="a column name"))
    t, e, _, g, keys = _prepare(data, duration, event, cols, function="logrank")
    n_groups = len(keys)
    if n_groups < 2:
        raise ParameterError(describe("The log-rank test needs at least two groups",
                                      parameter="by", received=f"{n_groups} group",
                                      expected="two or more groups"))
    grp, time, leaving, dead, _ = _count(t, e, None, g, n_groups)
    times, col = np.unique(time, return_inverse=True)
    shape = (n_groups, len(times))
    leave = np.zeros(shape)
    died = np.zeros(shape)
    leave[grp, col] = leaving
    died[grp, col] = dead
    risk = np.cumsum(leave[:, ::-1], axis=1)[:, ::-1]
    has_event = died.sum(axis=0) > 0
    risk, died = risk[:, has_event], died[:, has_event]
    n_t, d_t = risk.sum(axis=0), died.sum(axis=0)
    share = risk / n_t
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1), 0.0)
    observed = died.sum(axis=1)
    expected = (share * d_t).sum(axis=1)
    pc = share * c
    cov = np.diag(pc.sum(axis=1)) - pc @ share.T
    u = (observed - expected)[:-1]
    v = cov[:-1, :-1]
    df = int(np.linalg.matrix_rank(v))
    statistic = float(u @ np.linalg.pinv(v) @ u) if df else 0.0
    p_value = float(stats.chi2.sf(statistic, df)) if df else 1.0
    groups = keys.copy()
    groups["n"] = np.bincount(g, minlength=n_groups)
    groups["observed"] = np.rint(observed).astype(np.int64)  # whole events (unweighted counts)
    groups["expected"] = expected
    return LogrankResult(statistic=statistic, df=df, p_value=p_value, n_groups=n_groups, groups=groups,
                         by=tuple(cols))
