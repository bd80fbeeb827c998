"""Stage 2 - what the surveys say (notebook 03).

Takes cleaned responses (one or several exports); gives NPS/CSAT/CES/top-box with intervals,
comparisons between groups and periods, consistency, SERVQUAL, scale reliability and weights.
"""
