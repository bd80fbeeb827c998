"""The ``cxanalytics`` command line.

Sub-commands
------------
``cxanalytics sample --out DIR [--seed N] [--scale K] [--format csv|parquet]``
    Write the seeded synthetic sample data (raw survey exports, customers, transactions,
    interactions, ``TRUTH.json``).
``cxanalytics report [--data DIR] [--out DIR] [--notebooks DIR]``
    Execute the numbered notebook suite on a data folder and write an HTML report.

Exit codes: 0 success; 2 bad input (the message names the file and the problem);
1 internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import CxError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


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
        help="run the notebook suite on a data folder and write an HTML report",
        description="Execute the numbered notebooks with papermill and write executed notebooks plus a "
        "self-contained HTML report.",
    )
    r.add_argument("--data", type=Path, default=None, help="data folder (default: the bundled sample data)")
    r.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: reports/)")
    r.add_argument("--notebooks", type=Path, default=None, help="folder of the numbered notebooks")
    r.add_argument("--timeout", type=int, default=600, help="seconds allowed per notebook cell")
    return parser


def _run_sample(args: argparse.Namespace) -> int:
    from .synth import write_sample

    paths = write_sample(args.out, seed=args.seed, scale=args.scale, fmt=args.fmt, progress=not args.no_progress)
    print(f"Wrote {len(paths)} files to {args.out}")
    for name, path in paths.items():
        print(f"  {name:<20} {path}")
    return EXIT_OK


def _run_report(args: argparse.Namespace) -> int:
    from .report import run_report

    index = run_report(data_dir=args.data, out_dir=args.out, notebooks_dir=args.notebooks, timeout=args.timeout)
    print(f"Report written: {index}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cxanalytics`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"sample": _run_sample, "report": _run_report}
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
