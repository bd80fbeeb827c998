"""Stage 4 - linking what customers say to what they do (notebook 05).

Takes cleaned responses and behaviour logs; gives linked outcomes per response, outcome rates
by group, driver models and the tested claims (recovery paradox, silent customers...).
"""
