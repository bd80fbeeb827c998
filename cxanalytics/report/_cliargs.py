"""The ``cxanalytics`` command line's arguments: every sub-command and option (internal; see :mod:`.cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}")
    return value


def _share_or_none(text: str) -> float | str:
    """A number in [0, 1], or "none" (the rule off)."""
    if text.strip().lower() == "none":
        return "none"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1] or 'none', received {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1] or 'none', received {text!r}")
    return value


def _number_or_none(text: str) -> float | str:
    """A non-negative number, or "none" (the rule off)."""
    if text.strip().lower() == "none":
        return "none"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative number or 'none', received {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number or 'none', received {text!r}")
    return value


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``cxanalytics`` command."""
    parser = argparse.ArgumentParser(
        prog="cxanalytics",
        description="Customer-feedback analytics: raw survey exports and behaviour logs to findings.",
        epilog="Exit codes: 0 ok, 2 bad input, 1 internal error.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"cxanalytics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "sample",
        help="write the seeded synthetic sample data",
        description="Write the seeded sample business (survey exports, logs, TRUTH.json) to a folder. "
        "The same seed and scale always give byte-identical files.",
    )
    p.add_argument("--out", required=True, type=Path, help="output folder (created if missing)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026, the committed sample)")
    p.add_argument(
        "--scale",
        type=_positive_float,
        default=1.0,
        help="size multiplier: 1 = the committed sample (~4,000 customers, ~2,300 export rows, ~45,000 purchases); 500 = ~1.1M export rows, ~22M purchases",
    )
    p.add_argument("--format", dest="fmt", choices=["csv", "parquet"], default="csv", help="format of the logs")
    p.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    r = sub.add_parser(
        "report",
        help="run the notebook suite on your files and write an HTML report",
        description="Execute the numbered notebooks with papermill on your data and write the executed "
        "notebooks plus one self-contained HTML report (no code, figures embedded) to --out. Give a folder "
        "laid out like data/sample/ (--data), files one by one, or both (files replace the folder's). Raw "
        "survey exports (--survey, repeatable) are read, cleaned (codebook inferred, or --codebook) and "
        "stacked into the responses table; PII columns are left out. With no input at all the bundled "
        "sample data is used. A notebook that needs an input you did not give is skipped with a note in "
        "the report; a notebook that fails is reported with its cell, and the others still run.",
        epilog="Exit codes: 0 ok; 2 bad input (a file missing or malformed, or a notebook stopped by a "
        "cxanalytics data error); 1 a notebook failed otherwise (internal error).",
    )
    r.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="folder laid out like data/sample/ (default: the bundled sample data)")
    r.add_argument("--survey", action="append", type=Path, default=[], metavar="EXPORT",
                   help="raw survey export (Qualtrics, SurveyMonkey, Google Forms, SPSS, CSV/XLSX); repeatable")
    r.add_argument("--codebook", action="append", type=Path, default=[], metavar="CSV",
                   help="codebook CSV: once for all exports, or once per --survey in the same order")
    for name, what in (("customers", "one row per customer"), ("transactions", "one row per purchase"),
                       ("interactions", "one row per service contact"), ("branches", "branch names"),
                       ("responses", "already cleaned survey responses")):
        r.add_argument(f"--{name}", type=Path, default=None, metavar="FILE",
                       help=f"{name} table, CSV or Parquet file or folder of Parquet files ({what}; "
                       "columns as in data/sample/README.md)")
    r.add_argument("--map", dest="mapping", type=Path, default=None, metavar="MAPPING",
                   help="column mapping file (TOML; see `cxanalytics map`): renames, recodes and converts the "
                   "columns of the given tables before the notebooks read them")
    r.add_argument("--snapshot", action="append", type=Path, default=[], metavar="FILE",
                   help="churn snapshot: one row per customer with tenure (days) and churned (true/false), "
                   "optionally monthly_charges, segment columns, satisfaction, complaint, acquisition_cost "
                   "(notebook 09); CSV or Parquet, or with --map any table(s) the mapping's [snapshot] reads "
                   "(repeat --snapshot to join several files on the customer id)")
    r.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="set a notebook parameter, e.g. --param acquisition_cost=250 --param margin_rate=0.35 "
                   "(repeatable); injected into every notebook whose parameters cell declares NAME, checked against "
                   "the type of its default there (numbers, true/false, lists as a,b,c); an unknown name or a value "
                   "of another type stops the report before any notebook runs (exit 2)")
    r.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR",
                   help="output folder: report.html and notebooks/ (default: reports/)")
    r.add_argument("--notebooks", type=Path, default=None, metavar="DIR",
                   help="folder of the numbered notebooks (default: the repository's notebooks/)")
    r.add_argument("--timeout", type=int, default=600, help="seconds allowed per notebook cell (default 600)")
    r.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="notebooks executed at once, each in its own kernel (default 2; relative paths are safe)")
    r.add_argument("--no-progress", action="store_true",
                   help="do not show the per-cell progress bars (on a terminal); the line per notebook stays")
    r.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="dask: notebooks that read it (00, 04-10) read the transactions log lazily with Dask, for "
                   "logs larger than memory; same numbers as pandas (default pandas; needs cxanalytics[scale])")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --engine dask: address of a dask.distributed scheduler, e.g. tcp://10.0.0.5:8786 "
                   "(default: Dask's local threads)")

    m = sub.add_parser(
        "map",
        help="propose (or check) a column mapping for your own table",
        description="Read a table (CSV, Excel, Parquet; several files of one row per customer are joined on "
        "their customer id), propose how its columns map onto the canonical columns of a kind of input, from "
        "their names and values, and print it as TOML with a comment on every line. Save it with --out, check "
        "it, and pass it to `cxanalytics report --map` (or cx.map_columns in Python).",
        epilog="Exit codes: 0 ok; 2 bad input (a file or mapping that cannot be read or applied).",
    )
    m.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the table, or several to join")
    from ..ingest.mapping import KINDS

    m.add_argument("--kind", choices=list(KINDS), default=None,
                   help="kind of input (default: the best fit): snapshot = one row per customer with tenure and "
                   "a churn flag; customers, transactions, interactions = logs; survey = cleaned responses")
    m.add_argument("--sheet", default=None, metavar="NAME", help="workbook sheet to read (default: the largest)")
    m.add_argument("--out", type=Path, default=None, metavar="MAPPING.toml", help="write the proposal to this file")
    m.add_argument("--check", type=Path, default=None, metavar="MAPPING.toml",
                   help="instead of proposing: apply this mapping and print the columns and changes")

    c = sub.add_parser(
        "clean",
        help="clean a raw survey export (quarantine, audit log, pseudonymised PII)",
        description="Read a Qualtrics / SurveyMonkey / Google Forms / SPSS / CSV export, infer or load its "
        "codebook, and write the kept responses, the quarantined ones, the audit log, the recodes and the "
        "codebook (CSV, or Parquet with --format parquet) to a folder. Prints a one-screen summary.",
    )
    c.add_argument("export", type=Path, help="the raw export file")
    c.add_argument("--out", required=True, type=Path, help="output folder (created if missing)")
    c.add_argument("--codebook", type=Path, default=None, help="codebook CSV (default: inferred, and written to --out)")
    c.add_argument("--timezone", default=None, help="IANA time zone of the export's times (default: the export's own, else UTC)")
    c.add_argument("--test-filter", action="append", default=[], metavar="COL=VALUE",
                   help="mark rows where COL equals VALUE as test responses (repeatable)")
    c.add_argument("--platform", default="auto", help="export platform (default: detected)")
    c.add_argument("--encoding", default=None, help="text encoding of the export, e.g. mac_roman, cp1256 (default: detected)")
    c.add_argument("--calendar", choices=["auto", "gregorian", "jalali", "hijri"], default="auto",
                   help="calendar of the dates (default auto: Gregorian from year 1600, Jalali/Hijri by month names)")
    c.add_argument("--min-completion", type=_share_or_none, default=None, metavar="X",
                   help="incomplete below this share of the substantive questions answered, for rows the platform's "
                   "own completion marker does not cover (default 0.8; 'none' = off)")
    c.add_argument("--no-platform-completion", action="store_true",
                   help="ignore the platform's completion markers (Finished, Status, submitdate): the item rule "
                   "decides every row")
    c.add_argument("--speeder-fraction", type=_share_or_none, default=None, metavar="X",
                   help="speeder: duration below X times the median (default 0.3; 'none' = off)")
    c.add_argument("--speeder-sd", type=_number_or_none, default=None, metavar="K",
                   help="speeder: duration more than K standard deviations below the median (default 2; 'none' = off)")
    c.add_argument("--missing-codes", type=_names, default=None, metavar="CODES",
                   help="answers that mean 'missing' in every scored item, e.g. 0,-99,98 (0 = not applicable)")
    c.add_argument("--remove", type=_names, default=[], metavar="RULES",
                   help="response-quality rules that quarantine instead of only flagging: speeders,straightliners")
    c.add_argument("--keep", type=_names, default=[], metavar="REASONS",
                   help="quarantine reasons that only flag instead, e.g. test,duplicate (see the summary's reasons)")
    c.add_argument("--respondent-key", type=_names, default=None, metavar="COLUMNS",
                   help="columns identifying a person for the duplicate rule (default: the codebook's e-mail and "
                   "customer id; 'none' = no duplicate rule)")
    c.add_argument("--pii-key", default=None, help="secret key for PII pseudonyms (default: $CXANALYTICS_PII_KEY, else random)")
    c.add_argument("--format", dest="fmt", choices=["csv", "parquet"], default="csv", help="output format")
    c.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    c.add_argument("--chunksize", type=int, default=None, metavar="N",
                   help="stream the export in chunks of N responses (for exports larger than memory); "
                   "writes Parquet and shows progress by bytes read")
    c.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                   help="pandas (default): in this process, streamed with --chunksize; dask: the chunks "
                   "(--chunksize, default 100000) cleaned in parallel as Dask tasks, on local processes or "
                   "on the cluster given by --scheduler; writes folders of Parquet parts")
    c.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --engine dask: address of a dask.distributed scheduler (tcp://host:8786); "
                   "the export and --out must be on storage every worker can read and write")
    return parser
