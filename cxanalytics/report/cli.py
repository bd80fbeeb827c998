"""The ``cxanalytics`` command line.

Sub-commands
------------
``cxanalytics sample --out DIR [--seed N] [--scale K] [--format csv|parquet]``
    Write the seeded synthetic sample data (raw survey exports, customers, transactions,
    interactions, ``TRUTH.json``).
``cxanalytics report [--data DIR] [--survey EXPORT ...] [--customers F] [--transactions F]
[--interactions F] [--branches F] [--codebook CSV ...] [--map MAPPING.toml] [--out DIR] [--engine pandas|dask]
[--scheduler ADDRESS] [--param NAME=VALUE ...]``
    Execute the numbered notebook suite on the user's files and write an HTML report;
    notebooks whose inputs were not given are skipped with a note. ``--map`` renames, recodes
    and converts the given tables' columns first; a table that does not fit (and no mapping)
    exits 2 with a proposed mapping printed and written to ``DIR/proposed_mapping.toml``.
    ``--engine dask`` reads a
    transactions log larger than memory (a Parquet file or folder of part files) lazily in the
    notebooks that support it, on the dask.distributed cluster at ``--scheduler`` if given.
``cxanalytics map FILE [FILE ...] [--kind KIND] [--sheet NAME] [--out MAPPING.toml] [--check MAPPING.toml]``
    Propose a column mapping for your table(s) from their names and values, printed as TOML
    ready to save (``--out``); with ``--check``, apply a mapping and print what it changed.
    Several files of one row per customer (e.g. the IBM Telco workbooks) are joined on their
    customer id. Pass the saved file to ``report --map``.
``cxanalytics clean EXPORT --out DIR [--codebook CSV] [--timezone TZ] [--test-filter COL=VALUE] [--encoding E]
[--calendar C] [--min-completion X] [--speeder-fraction X] [--speeder-sd X] [--missing-codes 0,-99]
[--remove speeders,straightliners] [--keep REASON,...] [--chunksize N] [--engine pandas|dask] [--scheduler ADDRESS]``
    Clean a raw survey export: data, quarantine, audit log and codebook written to DIR.
    Speeders and straight-liners are flagged (columns ``flag_speeder``, ``flag_straightliner``)
    and removed only with ``--remove``.  When more than half of the rows are quarantined, or
    none is kept, a warning names the top reasons and the option that relaxes each.
    With ``--chunksize`` the export is streamed in chunks of N responses (exports larger
    than memory; Parquet output; progress by bytes read).  With ``--engine dask`` the
    chunks are cleaned in parallel as Dask tasks, on local processes or on the
    ``dask.distributed`` cluster at ``--scheduler`` (same tables, as folders of parts).

Exit codes: 0 success; 2 bad input (the message names the file and the problem);
1 internal error.  Warnings are printed to standard error, one line each (``warning: ...``).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from ..errors import CxError, DataQualityWarning, ParameterError, describe
from ._cliargs import build_parser

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
#: ``clean`` shows a progress bar for exports larger than this many bytes.
CLEAN_PROGRESS_BYTES = 20 << 20


def _run_sample(args: argparse.Namespace) -> int:
    from ..synth import write_sample

    paths = write_sample(args.out, seed=args.seed, scale=args.scale, fmt=args.fmt, progress=not args.no_progress)
    print(f"Wrote {len(paths)} files to {args.out}")
    for name, path in paths.items():
        print(f"  {name:<20} {path}")
    return EXIT_OK


def _run_report(args: argparse.Namespace) -> int:
    from ..ingest.mapping import MissingColumnsError
    from .runner import ReportError, run_report

    try:
        from ._params import check_parameters, parse_param_args
        from .runner import find_notebooks

        given = parse_param_args(args.param)
        typed = check_parameters(given, find_notebooks(args.notebooks), from_text=True) if given else {}
        result = run_report(
            data_dir=args.data, out_dir=args.out, surveys=args.survey, codebooks=args.codebook,
            customers=args.customers, transactions=args.transactions, interactions=args.interactions,
            branches=args.branches, responses=args.responses, mapping=args.mapping, snapshot=args.snapshot,
            notebooks_dir=args.notebooks,
            timeout=args.timeout, progress=not args.no_progress, jobs=args.jobs,
            engine=args.engine, scheduler=args.scheduler, parameters=typed,
        )
    except MissingColumnsError as exc:
        print(f"cxanalytics: error: {exc}", file=sys.stderr)
        if exc.proposal is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            path = exc.proposal.save(args.out / "proposed_mapping.toml")
            from ._snapshotpropose import rerun_command

            again = (f"add its tables to {args.mapping} and run the report again" if args.mapping is not None
                     else "run the report again with it (the command is printed on stderr)")
            print(f"# A mapping proposed from your file(s), also written to {path}. Check it, then {again}\n")
            print(exc.proposal.to_toml())
            if args.mapping is None:  # on stderr: stdout stays the TOML alone (to save or pipe)
                print("cxanalytics: run the report again with the proposed mapping:", file=sys.stderr)
                print(rerun_command(getattr(args, "argv", []), path), file=sys.stderr)
        return EXIT_BAD_INPUT
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


def _run_map(args: argparse.Namespace) -> int:
    import dataclasses

    from ..ingest.mapping import propose_mapping, read_mapped, read_tables

    if args.check is not None:
        result = read_mapped(args.files, args.check, kind=args.kind)
        with _wide_pandas():
            print(f"{len(result.data):,} rows of kind {result.kind}, mapped with {args.check}:")
            print(result.summary().to_string(index=False))
            print("\nChanges (step, column, what, rows):")
            for row in result.log.itertuples(index=False):
                print(f"  {row.step:<8} {row.column or '-':<26} {row.detail} ({row.n:,})")
        return EXIT_OK
    data, _ = read_tables(args.files, sheet=args.sheet)
    label = ", ".join(p.name for p in args.files)
    proposal = propose_mapping(data, kind=args.kind, file=label)
    sheet = args.sheet or (data.attrs.get("sheet") if len(args.files) == 1 else None)
    if sheet is not None:
        kind, km = next(iter(proposal.kinds.items()))
        proposal = dataclasses.replace(proposal, kinds={kind: dataclasses.replace(km, sheet=sheet)})
    if args.out is None:
        print(proposal.to_toml(), end="")
        return EXIT_OK
    proposal.save(args.out)
    kind, km = next(iter(proposal.kinds.items()))
    print(f"Wrote the proposed {kind} mapping of {label} to {args.out}: {len(km.columns)} columns mapped.")
    missing = [c for c in proposal.unmapped[kind] if c in _required(kind)]
    print("Required columns not found: " + ", ".join(missing) if missing else "Every required column was found.")
    print(f"Check it, then: cxanalytics map {' '.join(map(str, args.files))} --check {args.out}")
    return EXIT_OK


def _required(kind: str) -> tuple[str, ...]:
    from ..ingest.mapping import SCHEMAS

    return SCHEMAS[kind].required


def _wide_pandas():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_colwidth", 90, "display.max_rows", 500)


def _test_filter(pairs: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        col, eq, value = pair.partition("=")
        if not eq or not col:
            raise ParameterError(describe("Malformed --test-filter", parameter="--test-filter", received=pair,
                                          expected="COL=VALUE, e.g. collector_id=431000999"))
        out.setdefault(col, []).append(value)
    return out


#: The option that relaxes each quarantine reason (named in the warning when most rows are quarantined).
RELAX = {
    "preview": "--keep preview",
    "test": "--keep test, or a narrower --test-filter",
    "spam": "--keep spam",
    "rejected": "--keep rejected",
    "incomplete": "--min-completion 0.5 (or none), --no-platform-completion, or --keep incomplete",
    "duplicate": "--respondent-key none, or --keep duplicate",
    "speeder": "leave speeders out of --remove, or a lower --speeder-fraction",
    "straightliner": "leave straightliners out of --remove",
    "out_of_range": "correct the item's scale in --codebook, or --keep out_of_range",
}


def _clean_rules(args: argparse.Namespace) -> dict:
    """The ``clean_responses`` keywords the options ask for (library defaults otherwise)."""
    from ..ingest.cleaning import REASONS
    from ..ingest.cleaning._rules import DEFAULT_QUARANTINE

    rules: dict = {"timezone": args.timezone, "calendar": args.calendar}
    if args.test_filter:
        rules["test_filter"] = _test_filter(args.test_filter)
    for option, keyword in (("min_completion", "min_completion"), ("speeder_fraction", "speeder_fraction"),
                            ("speeder_sd", "speeder_sd")):  # fmt: skip
        value = getattr(args, option)
        if value is not None:
            rules[keyword] = None if value == "none" else value
    if args.no_platform_completion:
        rules["use_finished"] = False
    if args.missing_codes:
        rules["missing_codes"] = args.missing_codes
    if args.remove:
        rules["remove"] = tuple(args.remove)
    if args.keep:
        unknown = [r for r in args.keep if r not in REASONS]
        if unknown:
            raise ParameterError(describe("Unknown quarantine reason", parameter="--keep", received=",".join(unknown),
                                          expected=",".join(REASONS)))  # fmt: skip
        rules["quarantine"] = tuple(r for r in DEFAULT_QUARANTINE if r not in args.keep)
    if args.respondent_key is not None:
        rules["respondent_key"] = False if [k.lower() for k in args.respondent_key] == ["none"] else args.respondent_key
    return rules


def _check_file(path: Path, what: str, option: str | None = None) -> None:
    """A path the user named as a file: a ParameterError (exit 2) if it is missing or a folder."""
    if path.is_dir():
        raise ParameterError(describe(f"{what} is a directory, not a file", file=path, parameter=option,
                                      expected="the path of a file (e.g. survey.csv), not of a folder"))  # fmt: skip
    if not path.is_file():
        raise ParameterError(describe(f"{what} not found", file=path, parameter=option, expected="an existing file"))


def _print_counts(summary, n_flagged: dict[str, int]) -> None:
    """The read / kept / quarantined lines, quarantine reasons and flagged counts."""
    n = dict(zip(summary["outcome"], summary["n"], strict=False))
    q = summary[summary["outcome"] == "quarantined"]
    print(f"  {'read':<16}{int(n['read']):>12,}")
    print(f"  {'kept':<16}{int(n['kept']):>12,}")
    print(f"  {'quarantined':<16}{int(q['n'].sum()):>12,}")
    for _, row in q[q["n"] > 0].iterrows():
        print(f"    {row['reason']:<14}{int(row['n']):>12,}")
    flagged = {k: v for k, v in n_flagged.items() if v}
    if flagged:
        print("  flagged, kept (remove with --remove speeders,straightliners):")
        for rule, k in flagged.items():
            print(f"    {rule:<14}{k:>12,}")


def _loud(summary, source: str) -> None:
    """Warn when more than half of the rows are quarantined or none is kept, naming what relaxes each reason."""
    n = dict(zip(summary["outcome"], summary["n"], strict=False))
    read, kept = int(n["read"]), int(n["kept"])
    q = summary[(summary["outcome"] == "quarantined") & (summary["n"] > 0)].sort_values("n", ascending=False)
    if not read or (kept and read - kept <= read / 2):
        return
    top = "; ".join(f"{r} {int(k):,} ({RELAX.get(r, '--keep ' + r)})" for r, k in zip(q["reason"][:3], q["n"][:3], strict=True))
    what = "no response was kept" if not kept else f"{read - kept:,} of {read:,} rows were quarantined"
    warnings.warn(f"{source}: {what}; top reasons: {top}", DataQualityWarning, stacklevel=2)


def _flagged_counts(frame) -> dict[str, int]:
    return {c.removeprefix("flag_"): int(frame[c].sum()) for c in frame.columns if str(c).startswith("flag_")}


def _run_clean(args: argparse.Namespace) -> int:
    from ..ingest.cleaning import clean_responses
    from ..ingest.exports import read_export

    _check_file(args.export, "Export file")
    if args.codebook is not None:
        _check_file(args.codebook, "Codebook file", "--codebook")
    if args.scheduler is not None and args.engine != "dask":
        raise ParameterError(describe("--scheduler needs --engine dask", parameter="--scheduler",
                                      received=args.scheduler, expected="--engine dask --scheduler tcp://host:8786"))
    rules = _clean_rules(args)
    if args.chunksize is not None or args.engine == "dask":
        return _run_clean_chunked(args, rules)
    big = args.export.stat().st_size > CLEAN_PROGRESS_BYTES
    export = read_export(args.export, platform=args.platform, encoding=args.encoding)
    key = args.pii_key or os.environ.get("CXANALYTICS_PII_KEY")
    res = clean_responses(export, args.codebook, pii_key=key, progress=big and not args.no_progress, **rules)
    paths = res.to_parquet(args.out) if args.fmt == "parquet" else res.to_csv(args.out)
    s = res.summary()
    print(f"{export.source}: {export.platform} export, {export.encoding or 'binary'}, time zone {res.timezone}")
    _print_counts(s, _flagged_counts(res.data))
    platform_only = res.rules["rule"].isin(["spam", "rejected"])  # markers of some platforms only: no news
    skipped = res.rules.loc[~res.rules["applied"] & ~platform_only, ["rule", "note"]]
    for _, row in skipped.iterrows():
        print(f"  rule {row['rule']} not applied: {row['note']}")
    changes = res.changes().groupby("rule")["n"].sum()
    if len(changes):
        print("  cells changed: " + ", ".join(f"{r} {n:,}" for r, n in changes.items()))
    print(f"Wrote {len(paths)} files to {args.out}")
    _loud(s, export.source)
    return EXIT_OK


def _run_clean_chunked(args: argparse.Namespace, rules: dict) -> int:
    import pandas as pd

    from ..ingest.streaming import clean_export_in_chunks

    key = args.pii_key or os.environ.get("CXANALYTICS_PII_KEY")
    if key:
        rules = {**rules, "pii_key": key}
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
        res = clean_export_in_chunks(args.export, args.codebook, folder=args.out, chunksize=chunksize,
                                     platform=args.platform, encoding=args.encoding, progress=not args.no_progress,
                                     **engine, **rules)  # fmt: skip
    finally:
        if client is not None:
            client.close()
    s = res.summary()
    where = f" as Dask tasks ({args.scheduler or 'local processes'})" if args.engine == "dask" else ""
    print(f"{res.source}: cleaned in {res.n_chunks} chunk(s) of up to {chunksize:,} responses{where}")
    flags = res.rules.set_index("rule")
    flagged = {r: int(flags.loc[r, "n_flagged"]) for r in ("speeder", "straightliner")
               if r in flags.index and not flags.loc[r, "quarantines"]}  # fmt: skip
    if flagged:  # flagged among the kept rows (the rule table counts every row it hit)
        kept = pd.read_parquet(res.paths["data"], columns=[f"flag_{r}" for r in flagged])
        flagged = _flagged_counts(kept)
    _print_counts(s, flagged)
    print(f"Wrote {len(res.paths)} Parquet files to {args.out}")
    _loud(s, res.source)
    return EXIT_OK


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a warning as one readable line on standard error (no source line, no class path)."""
    text = " ".join(str(message).split())
    try:
        print(f"warning: {text}", file=sys.stderr if file is None else file)
    except (OSError, ValueError):  # stderr closed: nowhere to say it
        pass


def _quiet_stdout() -> None:
    """After a broken pipe (``cxanalytics clean ... | head``): send further output to devnull."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cxanalytics`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # to print the command again (with --map)
    handlers = {"sample": _run_sample, "report": _run_report, "clean": _run_clean, "map": _run_map}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            # as in Python's own defaults: unclosed sockets and event loops (papermill's kernel
            # threads leave some for the garbage collector) are not news about the user's data
            warnings.filterwarnings("ignore", category=ResourceWarning)
            warnings.showwarning = _show_warning
            return handlers[args.command](args)
    except CxError as exc:
        print(f"cxanalytics: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except IsADirectoryError as exc:
        print(f"cxanalytics: error: {exc.filename or exc} is a directory, not a file", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader of our output went away (| head): not an error
        _quiet_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        print("cxanalytics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
