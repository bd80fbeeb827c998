"""placeholder"""
from ._frame import snapshot_from_logs
from ._rates import churn_by_segment, tenure_life_table, survival_by_segment, SnapshotSurvival
from ._value import fit_sbg_snapshot, snapshot_clv, snapshot_retention_vs_acquisition
