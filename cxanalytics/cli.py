"""The ``cxanalytics`` command line.

Sub-commands
------------
``cxanalytics sample --out DIR [--seed N] [--scale K] [--format csv|parquet]``
    Write the seeded synthetic sample data (raw survey exports, customers, transactions,
    interactions, ``TRUTH.json``).
``cxanalytics report [--data DIR] [--survey EXPORT ...] [--customers F] [--transactions F]
[--interactions F] [--branches F] [--codebook CSV ...] [--out DIR] [--engine pandas|dask] [--scheduler ADDRESS]``
    Execute the numbered notebook suite on the user's files and write an HTML report;
    notebooks whose inputs were not given are skipped with a note. ``--engine dask`` reads a
    transactions log larger than memory (a Parquet file or folder of part files) lazily in the
    notebooks that support it, on the dask.distributed cluster at ``--scheduler`` if given.
``cxanalytics clean EXPORT --out DIR [--codebook CSV] [--timezone TZ] [--test-filter COL=VALUE] [--chunksize N]
[--engine pandas|dask] [--scheduler ADDRESS]``
    Clean a raw survey export: data, quarantine, audit log and codebook written to DIR.
    With ``--chunksize`` the export is streamed in chunks of N responses (exports larger
    than memory; Parquet output; progress by bytes read).  With ``--engine dask`` the
    chunks are cleaned in parallel as Dask tasks, on local processes or on the
    ``dask.distributed`` cluster at ``--scheduler`` (same tables, as folders of parts).

Exit codes: 0 success; 2 bad input (the message names the file and the problem);
1 internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import CxError, ParameterError, describe

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
#: ``clean`` shows a progress bar for exports larger than this many bytes.
CLEAN_PROGRESS_BYTES = 20 << 20


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``cxanalytics`` command."""
    parser = argparse.ArgumentParser(
        prog="cxanalytics",
        description="Customer-feedback analytics: raw survey exports and behaviour logs to findings.",
        epilog="Exit codes: 0 ok, 2 bad input, 1 internal error.",
    )
    from . import __version__

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
    r.add_argument("--snapshot", type=Path, default=None, metavar="FILE",
                   help="churn snapshot, CSV or Parquet: one row per customer with tenure (days) and churned "
                   "(true/false), optionally monthly_charges, segment columns, satisfaction, complaint, "
                   "acquisition_cost (notebook 09)")
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
                   help="dask: notebooks that support it (04) read the transactions log lazily with Dask, for "
                   "logs larger than memory; same numbers as pandas (default pandas; needs cxanalytics[scale])")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --engine dask: address of a dask.distributed scheduler, e.g. tcp://10.0.0.5:8786 "
                   "(default: Dask's local threads)")

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


def _run_sample(args: argparse.Namespace) -> int:
    from .synth import write_sample

    paths = write_sample(args.out, seed=args.seed, scale=args.scale, fmt=args.fmt, progress=not args.no_progress)
    print(f"Wrote {len(paths)} files to {args.out}")
    for name, path in paths.items():
        print(f"  {name:<20} {path}")
    return EXIT_OK


def _run_report(args: argparse.Namespace) -> int:
    from .report import ReportError, run_report

    try:
        result = run_report(
            data_dir=args.data, out_dir=args.out, surveys=args.survey, codebooks=args.codebook,
            customers=args.customers, transactions=args.transactions, interactions=args.interactions,
            branches=args.branches, responses=args.responses, snapshot=args.snapshot, notebooks_dir=args.notebooks,
            timeout=args.timeout, progress=not args.no_progress, jobs=args.jobs,
            engine=args.engine, scheduler=args.scheduler,
        )
    except ReportError as exc:
        if not exc.failures:
            raise
        print(f"cxanalytics: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT if exc.bad_input else EXIT_INTERNAL
    counts = result.summary()["status"].value_counts()
    print(f"Notebooks: {int(counts.get('ran', 0))} ran, {int(counts.get('skipped', 0))} skipped")
    for run in result.notebooks:
        if run.status == "skipped":
            print(f"  {run.name} skipped: {run.detail}")
    print(f"Report written: {result.report}")
    return EXIT_OK


def _test_filter(pairs: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        col, eq, value = pair.partition("=")
        if not eq or not col:
            raise ParameterError(describe("Malformed --test-filter", parameter="--test-filter", received=pair,
                                          expected="COL=VALUE, e.g. collector_id=431000999"))
        out.setdefault(col, []).append(value)
    return out


def _run_clean(args: argparse.Namespace) -> int:
    import os
    import warnings

    from .cleaning import clean_responses
    from .exports import read_export

    if not args.export.is_file():
        raise ParameterError(describe("Export file not found", file=args.export, expected="an existing file"))
    if args.scheduler is not None and args.engine != "dask":
        raise ParameterError(describe("--scheduler needs --engine dask", parameter="--scheduler",
                                      received=args.scheduler, expected="--engine dask --scheduler tcp://host:8786"))
    if args.chunksize is not None or args.engine == "dask":
        return _run_clean_chunked(args)
    big = args.export.stat().st_size > CLEAN_PROGRESS_BYTES
    export = read_export(args.export, platform=args.platform)
    key = args.pii_key or os.environ.get("CXANALYTICS_PII_KEY")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = clean_responses(export, args.codebook, timezone=args.timezone, test_filter=_test_filter(args.test_filter) or None,
                              pii_key=key, progress=big and not args.no_progress)
    paths = res.to_parquet(args.out) if args.fmt == "parquet" else res.to_csv(args.out)
    s = res.summary()
    print(f"{export.source}: {export.platform} export, {export.encoding or 'binary'}, time zone {res.timezone}")
    print(f"  {'read':<16}{res.n_read:>12,}")
    print(f"  {'kept':<16}{len(res.data):>12,}")
    print(f"  {'quarantined':<16}{len(res.quarantine):>12,}")
    for _, row in s[(s["outcome"] == "quarantined") & (s["n"] > 0)].iterrows():
        print(f"    {row['reason']:<14}{row['n']:>12,}")
    skipped = res.rules.loc[~res.rules["applied"], ["rule", "note"]]
    for _, row in skipped.iterrows():
        print(f"  rule {row['rule']} not applied: {row['note']}")
    changes = res.changes().groupby("rule")["n"].sum()
    if len(changes):
        print("  cells changed: " + ", ".join(f"{r} {n:,}" for r, n in changes.items()))
    for w in caught:
        print(f"  warning: {w.message}")
    print(f"Wrote {len(paths)} files to {args.out}")
    return EXIT_OK


def _run_clean_chunked(args: argparse.Namespace) -> int:
    import os
    import warnings

    from .streaming import clean_export_in_chunks

    key = args.pii_key or os.environ.get("CXANALYTICS_PII_KEY")
    rules = {"pii_key": key} if key else {}
    chunksize = args.chunksize or 100_000
    engine = {"engine": "dask", "scheduler": "processes"} if args.engine == "dask" else {}
    client = None
    if args.scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise CxError(describe("--scheduler needs dask.distributed", parameter="--scheduler",
                                   expected='pip install "cxanalytics[scale]"')) from None  # fmt: skip
        client = Client(args.scheduler)
        engine["scheduler"] = None  # the connected client runs the tasks
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = clean_export_in_chunks(args.export, args.codebook, out_dir=args.out, chunksize=chunksize,
                                         platform=args.platform, progress=not args.no_progress,
                                         timezone=args.timezone, test_filter=_test_filter(args.test_filter) or None,
                                         **engine, **rules)  # fmt: skip
    finally:
        if client is not None:
            client.close()
    s = res.summary()
    n = dict(zip(s["outcome"], s["n"], strict=False))
    where = f" as Dask tasks ({args.scheduler or 'local processes'})" if args.engine == "dask" else ""
    print(f"{res.source}: cleaned in {res.n_chunks} chunk(s) of up to {chunksize:,} responses{where}")
    print(f"  {'read':<16}{n['read']:>12,}")
    print(f"  {'kept':<16}{n['kept']:>12,}")
    print(f"  {'quarantined':<16}{int(s.loc[s['outcome'] == 'quarantined', 'n'].sum()):>12,}")
    for _, row in s[(s["outcome"] == "quarantined") & (s["n"] > 0)].iterrows():
        print(f"    {row['reason']:<14}{row['n']:>12,}")
    for w in caught:
        print(f"  warning: {w.message}")
    print(f"Wrote {len(res.paths)} Parquet files to {args.out}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cxanalytics`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"sample": _run_sample, "report": _run_report, "clean": _run_clean}
    try:
        return handlers[args.command](args)
    except CxError as exc:
        print(f"cxanalytics: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("cxanalytics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
