"""Canonical columns of each kind of input, in one table (used by :mod:`cxanalytics.ingest.mapping`).

A *kind* is what one row of a table is: a customer of a churn ``snapshot``, a customer of the
``customers`` log, a purchase (``transactions``), a service contact (``interactions``) or a
cleaned ``survey`` response.  Every canonical column has a value type (``what``) that says
how :func:`cxanalytics.map_columns` converts it and which unit it can declare:

=========  =================================================================  ==============
what       stored as                                                          unit declared
=========  =================================================================  ==============
id         text (whole numbers without ``.0``)                                -
flag       ``boolean``                                                        -
duration   ``float64`` in the column's canonical unit (days or seconds)       source unit
money      ``float64`` (times an optional factor)                             currency code
score      ``float64`` on a declared scale                                    ``"1-5"``
time       tz-aware UTC timestamps                                            time zone
count      ``Int64`` (``float64`` when not whole)                             -
number     ``float64``                                                        -
label      text (a segment, channel, branch...)                               -
text       text (free text such as a churn reason)                            -
=========  =================================================================  ==============

The columns of ``customers``, ``transactions``, ``interactions`` and ``survey`` are those of
the sample's tables (:data:`cxanalytics.datasets.SAMPLES`); ``snapshot`` is defined here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._core.samples import SAMPLES

__all__ = ["KINDS", "SCHEMAS", "Schema", "Target", "SEGMENT_WORDS", "CURRENCIES"]

#: Input kinds, in the order a report lists them.
KINDS = ("snapshot", "customers", "transactions", "interactions", "survey")
#: Value types of canonical columns.
WHATS = ("id", "flag", "duration", "money", "score", "time", "count", "number", "label", "text")
#: Currency codes recognised in column names (any 3-letter upper-case code is accepted in a mapping).
CURRENCIES = ("usd", "eur", "gbp", "inr", "aed", "sar", "irr", "jpy", "cad", "aud", "chf", "cny", "try", "egp")
#: Words that make a text column a segment (contract, plan, payment method...) when proposing a mapping.
SEGMENT_WORDS = frozenset({
    "contract", "plan", "payment", "internet", "gender", "segment", "region", "geography", "tier",
    "device", "marital", "offer", "paperless", "senior", "partner", "dependent", "card", "channel",
    "branch", "category", "cat", "mode", "country", "tariff", "package", "product",
})  # fmt: skip


@dataclass(frozen=True)
class Target:
    """One canonical column: its name, value type, whether the kind requires it, and its aliases.

    ``aliases`` are names seen in real files, best first (compared after normalising case,
    spaces, underscores and camelCase); ``unit`` is the canonical unit of a duration
    (``"days"`` or ``"seconds"``).
    """

    name: str
    what: str
    required: bool
    description: str
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    unique: bool = False  # one row per value (the key of a one-row-per-customer kind)


@dataclass(frozen=True)
class Schema:
    """The canonical columns of one kind of input."""

    kind: str
    row: str
    targets: tuple[Target, ...]

    def __getitem__(self, name: str) -> Target:
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(t.name == name for t in self.targets)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.targets)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.targets if t.required)


_ID_ALIASES = ("customer id", "customerid", "customer", "client id", "cust id", "customer number",
               "account id", "account number", "member id", "user id", "subscriber id", "customer key",
               "customer code", "client", "id")  # fmt: skip
_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": _ID_ALIASES,
    "tenure": ("tenure", "customer tenure", "tenure length", "account length", "lifetime", "time with company", "subscription length", "age on network", "aon"),
    "churned": ("churn", "churned", "exited", "churn value", "churn flag", "churn label", "attrition",
                "attrition flag", "is churn", "has churned", "left", "churn status", "customer status", "status"),
    "monthly_charges": ("monthly charge", "monthly fee", "monthly bill", "monthly spend", "monthly amount",
                        "monthly revenue", "mrr", "arpu", "avg monthly charge", "charge per month"),
    "total_charges": ("total charge", "total spend", "total revenue", "total billed", "total amount",
                      "total paid", "lifetime revenue", "revenue"),
    "satisfaction": ("satisfaction", "satisfaction score", "csat", "satisfaction rating", "overall satisfaction",
                     "satisfaction level", "sat score", "customer satisfaction", "satisfaction index"),
    "complaint": ("complain", "complaint", "complained", "has complaint", "complaint flag", "complaint raised"),
    "acquisition_cost": ("acquisition cost", "cac", "cost of acquisition", "customer acquisition cost",
                         "acquisition spend"),
    "churn_reason": ("churn reason", "reason for churn", "exit reason", "cancellation reason", "reason",
                     "churn category"),
    "contract": ("contract", "contract type", "contract length", "contract term", "term"),
    "plan": ("plan", "plan type", "tariff", "package", "subscription type", "subscription plan", "product"),
    "payment_method": ("payment method", "payment mode", "preferred payment mode", "payment type",
                       "payment channel"),
    "segment": ("segment", "customer segment", "customer type", "market segment"),
    # logs (customers, transactions, interactions)
    "acquired_at": ("acquired at", "acquisition date", "signup date", "sign up date", "join date",
                    "joined at", "created at", "registration date", "customer since", "start date", "first order date"),
    "cancelled_at": ("cancelled at", "canceled at", "cancel date", "cancellation date", "churn date",
                     "end date", "termination date", "closed at"),
    "acquisition_channel": ("acquisition channel", "signup channel", "source", "acquisition source", "utm source"),
    "branch_id": ("branch id", "branch", "store id", "store", "branch code", "location id", "outlet"),
    "language": ("language", "lang", "preferred language", "locale"),
    "order_id": ("order id", "invoice no", "invoice", "invoice number", "transaction id", "order number",
                 "receipt id", "purchase id"),
    "occurred_at": ("occurred at", "invoice date", "order date", "transaction date", "purchase date", "date",
                    "timestamp", "created at", "datetime", "contact date", "time"),
    "amount": ("amount", "revenue", "sale", "sales amount", "total", "price", "value", "spend", "order value",
               "net amount", "payment amount"),
    "interaction_id": ("interaction id", "ticket id", "case id", "contact id", "call id", "ticket", "case number"),
    "channel": ("channel", "contact channel", "medium", "contact type", "channel type"),
    "agent_id": ("agent id", "agent", "rep id", "representative", "employee id", "operator"),
    "wait_s": ("wait", "wait time", "queue time", "hold time", "time to answer", "speed of answer"),
    "handle_s": ("handle", "handle time", "handling time", "talk time", "call duration", "aht"),
    "resolved": ("resolved", "is resolved", "first contact resolution", "fcr", "resolution status"),
    "credit": ("credit", "goodwill credit", "compensation", "refund", "goodwill"),
    # survey responses
    "response_id": ("response id", "respondent id", "responseid", "submission id", "record id", "id"),
    "submitted_at": ("submitted at", "end date", "recorded date", "date submitted", "submit date", "timestamp",
                     "completed at", "submission time"),
    "duration_s": ("duration", "duration in second", "time taken", "completion time"),
    "nps": ("nps", "likelihood to recommend", "recommend", "ltr", "net promoter score", "how likely recommend"),
    "csat": ("csat", "satisfaction", "overall satisfaction", "customer satisfaction"),
    "ces": ("ces", "customer effort", "effort", "made it easy", "ease"),
}  # fmt: skip

_SNAPSHOT = (
    Target("customer_id", "id", True, "customer key (one row per customer)", _ALIASES["customer_id"], unique=True),
    Target("tenure", "duration", True, "time as a customer until churn or until the snapshot, in days "
           "(the count in the source unit is kept as tenure_periods)", _ALIASES["tenure"], unit="days"),
    Target("churned", "flag", True, "the customer had left at the snapshot", _ALIASES["churned"]),
    Target("monthly_charges", "money", False, "recurring charge per month", _ALIASES["monthly_charges"]),
    Target("total_charges", "money", False, "charges over the tenure", _ALIASES["total_charges"]),
    Target("satisfaction", "score", False, "satisfaction score on its declared scale", _ALIASES["satisfaction"]),
    Target("complaint", "flag", False, "the customer complained", _ALIASES["complaint"]),
    Target("acquisition_cost", "money", False, "cost to acquire the customer", _ALIASES["acquisition_cost"]),
    Target("churn_reason", "text", False, "reason given for leaving", _ALIASES["churn_reason"]),
    Target("contract", "label", False, "contract type (a segment)", _ALIASES["contract"]),
    Target("plan", "label", False, "plan or product (a segment)", _ALIASES["plan"]),
    Target("payment_method", "label", False, "payment method (a segment)", _ALIASES["payment_method"]),
    Target("segment", "label", False, "customer segment", _ALIASES["segment"]),
)  # fmt: skip

_SAMPLE_WHAT = {"str": "id", "category": "label", "ordinal": "score", "int": "count", "float": "number",
                "bool": "flag", "datetime": "time"}  # fmt: skip
_OVERRIDES = {"acquisition_cost": "money", "amount": "money", "credit": "money", "wait_s": "duration",
              "handle_s": "duration", "duration_s": "duration", "nps": "score", "language": "label"}  # fmt: skip
_SCALES = {"nps": "0-10", "csat": "1-5", "ces": "1-7"}


def _from_sample(kind: str, sample: str, required: tuple[str, ...], unique: str | None) -> Schema:
    spec = SAMPLES[sample]
    targets = []
    for col in spec.columns:
        what = _OVERRIDES.get(col.name, _SAMPLE_WHAT[col.dtype])
        if col.name.startswith(("e_", "p_", "pillar_")):
            what = "score"
        unit = "seconds" if what == "duration" else None
        targets.append(Target(col.name, what, col.name in required, col.description,
                              _ALIASES.get(col.name, ()), unit, unique=col.name == unique))
    return Schema(kind, spec.row, tuple(targets))


#: Canonical columns of every kind.
SCHEMAS: dict[str, Schema] = {
    "snapshot": Schema("snapshot", "customer at the snapshot date", _SNAPSHOT),
    "customers": _from_sample("customers", "customers", ("customer_id",), "customer_id"),
    "transactions": _from_sample("transactions", "transactions", ("customer_id", "occurred_at"), "order_id"),
    "interactions": _from_sample("interactions", "interactions", ("customer_id", "occurred_at", "channel"),
                                 "interaction_id"),
    "survey": _from_sample("survey", "responses", ("response_id", "submitted_at"), "response_id"),
}  # fmt: skip


def default_scale(kind: str, name: str) -> str | None:
    """The scale of a canonical score column fixed by the schema (NPS 0-10, CSAT 1-5, CES 1-7), if any."""
    if kind == "survey":
        if name in _SCALES:
            return _SCALES[name]
        if name.startswith(("e_", "p_")):
            return "1-7"
        if name.startswith("pillar_"):
            return "0-10"
    return None
