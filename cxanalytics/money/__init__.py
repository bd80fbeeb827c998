"""Stage 5 - what it is worth (notebook 06).

Takes retention rates, margins and linked outcomes; gives lifetime values with intervals,
retention-versus-acquisition costs, the value of an improvement and break-even sensitivity.
"""
