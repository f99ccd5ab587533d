"""Customer lifetime value: who will buy again, how much they are worth, who is slipping away.

Modules: ``summary`` (per-customer frequency, recency, age and spend from DuckDB, one query),
``base`` (input checks, grouping of identical customers, the optimiser), ``repeat`` (the
interface the repeat-purchase models share), ``bgnbd`` (BG/NBD), ``paretonbd`` (Pareto/NBD),
``mbgnbd`` (MBG/NBD, fitted on request; not among the models ``fit_clv`` compares), ``gamma_gamma``
(spend per order), ``value`` (probability alive, expected orders, CLV and churn-risk tiers),
``holdout`` (predicted vs actual in a holdout period), ``model`` (all of it in one call,
:func:`~core.clv.model.fit_clv`).  Time is measured in weeks throughout.
"""
