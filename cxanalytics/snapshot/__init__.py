"""placeholder"""
from ._frame import snapshot_from_logs
from ._rates import churn_by_segment, tenure_life_table, survival_by_segment, SnapshotSurvival
