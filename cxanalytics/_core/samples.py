"""The sample data's dictionary: each file of ``data/sample``, what one row is, its columns (data only).

Below everything that describes or reads the sample: :mod:`cxanalytics.datasets` (which loads
it and re-exports these names), :mod:`cxanalytics.ingest` (whose canonical tables are the
sample's), :mod:`cxanalytics.synth` (which writes it and its README) and
:mod:`cxanalytics.report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SAMPLES", "Column", "Sample"]


@dataclass(frozen=True)
class Column:
    """One column of a sample table: name, type and meaning."""

    name: str
    dtype: str  # str | category | ordinal | int | float | bool | datetime
    description: str
    levels: tuple = ()  # ordinal levels, low to high


@dataclass(frozen=True)
class Sample:
    """One file of the sample: its name, file name, what one row is, and its columns."""

    name: str
    file: str
    row: str
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def raw(self) -> bool:
        """True for raw survey exports, which are read with their platform's header rows."""
        return not self.columns


_ID = Column("customer_id", "str", "customer key, `C` + 7 digits")
_SERVQUAL = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
_PILLARS = ("personalisation", "integrity", "expectations", "resolution", "time_effort", "empathy")
_LIKERT7 = tuple(range(1, 8))

_RESPONSE_COLUMNS = (
    Column("response_id", "str", "the platform's response id (Google Forms has none: `GF` + row)"),
    Column("platform", "category", "qualtrics, surveymonkey or google_forms"),
    Column("language", "category", "en, ar or fa"),
    Column("customer_id", "str", "as the respondent's record gives it; missing or mistyped for a few Google Forms rows"),
    Column("submitted_at", "datetime", "submission time, UTC"),
    Column("duration_s", "int", "seconds spent on the survey"),
    Column("channel", "category", "channel of the most recent contact: phone, chat, store, app"),
    Column("branch_id", "category", "branch the customer usually visits"),
    Column("nps", "int", "likelihood to recommend, 0-10"),
    Column("csat", "ordinal", "overall satisfaction, 1 very dissatisfied - 5 very satisfied; missing = non-substantive answer", tuple(range(1, 6))),
    Column("ces", "ordinal", "'made it easy', 1 strongly disagree - 7 strongly agree; missing = sentinel -99", _LIKERT7),
    *(
        Column(f"{side}_{d}_{k}", "ordinal", f"SERVQUAL {word} item {k} of {d}, 1-7 (negatively worded items already reverse-coded)", _LIKERT7)
        for side, word in (("e", "expectation"), ("p", "perception"))
        for d in _SERVQUAL
        for k in (1, 2)
    ),
    *(Column(f"pillar_{p}", "int", f"experience pillar '{p}', 0-10") for p in _PILLARS),
    *(Column(f"topic_{t}", "bool", f"contacted us about {t}") for t in ("billing", "network", "device", "plan_change", "other")),
    Column("comment", "str", "the open comment as written (English, Arabic or Persian; empty = none)"),
    Column("comment_themes", "str", "the theme planted in the comment (billing, staff, app, switching, waiting; empty = none)"),
)

SAMPLES: dict[str, Sample] = {
    s.name: s
    for s in (
        Sample("qualtrics_en", "qualtrics_en.csv", "response (plus 3 header rows)",
               "Qualtrics CSV export in English, choice text, UTF-8 with BOM; 3 header rows (column ids, "
               "question text, ImportId JSON with the time zone Asia/Dubai). Dirt: preview and test rows, "
               "partial responses, duplicates, speeders, straight-liners, N/A codes, -99 sentinels, "
               "multi-line comments, PII in comments."),
        Sample("surveymonkey_ar", "surveymonkey_ar.csv", "response (plus 2 header rows)",
               "SurveyMonkey 'all responses' CSV in Arabic, re-saved by Excel on Arabic Windows: cp1256, CRLF. "
               "Row 1 question text (blank cells continue the previous question), row 2 sub-labels. Dates "
               "MM/DD/YYYY hh:mm:ss AM/PM, Asia/Riyadh. Test responses come from collector 431000999."),
        Sample("google_forms_fa", "google_forms_fa.csv", "response (plus 1 header row)",
               "Google Forms CSV in Persian, UTF-8: Jalali (Solar Hijri) timestamps, Asia/Tehran; grid "
               "questions as `Question [Row]`; checkbox answers comma-joined; Persian and some Arabic-Indic "
               "digits, stray right-to-left marks; customer numbers typed by hand (some blank or mistyped); "
               "test rows from qa.team@example.com; a few NPS answers of 11."),
        Sample("responses", "responses.csv", "genuine survey response",
               "The answer key of the three exports: every genuine response in canonical form, as a correct "
               "cleaning of the raw exports should give it (no dirt rows; non-substantive answers missing).",
               _RESPONSE_COLUMNS),
        Sample("customers", "customers.csv", "customer", "Customers acquired 2024-07-01 .. 2026-04-30.", (
            _ID,
            Column("acquired_at", "datetime", "acquisition time, UTC"),
            Column("acquisition_channel", "category", "store, online, referral, partner"),
            Column("acquisition_cost", "float", "cost to acquire this customer (currency units)"),
            Column("segment", "category", "consumer or business"),
            Column("plan", "category", "contract (cancels explicitly) or prepaid (lapses silently)"),
            Column("branch_id", "category", "home branch"),
            Column("language", "category", "en, ar or fa"),
            Column("cancelled_at", "datetime", "cancellation time of contract customers who left, else missing"),
        )),
        Sample("transactions", "transactions.csv", "purchase", "Purchases and top-ups until the customer leaves.", (
            Column("order_id", "str", "order key"),
            _ID,
            Column("occurred_at", "datetime", "purchase time, UTC"),
            Column("amount", "float", "amount paid (currency units)"),
        )),
        Sample("interactions", "interactions.csv", "service contact", "Contacts with customer service.", (
            Column("interaction_id", "str", "contact key"),
            _ID,
            Column("occurred_at", "datetime", "contact time, UTC"),
            Column("channel", "category", "phone, chat, store, app"),
            Column("branch_id", "category", "branch that handled the contact"),
            Column("agent_id", "str", "agent key, branch + A01..A12"),
            Column("wait_s", "int", "seconds waited before being served (0 in the app)"),
            Column("handle_s", "int", "seconds of agent time"),
            Column("resolved", "bool", "resolved at first contact, or after a complaint (recovery)"),
            Column("complaint", "bool", "the customer complained about this contact"),
            Column("credit", "float", "goodwill credit given in recovery (currency units)"),
        )),
        Sample("branches", "branches.csv", "branch", "Branch names in English, Arabic and Persian.", (
            Column("branch_id", "str", "branch key"),
            Column("name_en", "str", "name in English"),
            Column("name_ar", "str", "name in Arabic"),
            Column("name_fa", "str", "name in Persian"),
            Column("city", "str", "city"),
        )),
    )
}  # fmt: skip
