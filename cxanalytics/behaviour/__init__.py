"""Stage 3 - what customers do (notebooks 04, 08, 09).

Takes transaction logs (pandas or Dask) and tenures; gives customer summaries, churn labels,
cohort retention, survival curves and Cox models, and fitted sBG/BG-NBD/Gamma-Gamma models.
"""
