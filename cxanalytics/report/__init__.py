"""Stage 6 - findings and the report (notebook 07, ``cxanalytics report`` and the command line).

Takes the executed notebooks, their parameters and your data folders; gives recorded findings,
the HTML report and the ``cxanalytics`` command line.
"""
