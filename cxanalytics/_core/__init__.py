"""Shared checks and helpers used by every stage (internal).

Takes arguments and frames from any stage; gives validated inputs, clear errors, Wilson
intervals, time arithmetic, answer-label lexicon, missing codes and model-input checks.
"""
