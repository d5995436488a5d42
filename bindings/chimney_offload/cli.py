# SPDX-License-Identifier: GPL-2.0-only
"""Command line: ``/usr/bin/python3 -m chimney_offload {campaign,run,fields} ...``.

Scenario fields are options of the same name as in the C++ campaign program, e.g.
``--hosts=4 --topology=csma --lossRate=0.01 --delay=5ms`` (fault-plan fields may also be
written ``--faults.lossRate=0.01``; ``--faults=FILE`` reads a JSON fault plan).

    campaign  run a sweep x seeds on Dask (a LocalCluster, or --scheduler ADDR), skip points
              already in --out, write --out (CSV or JSON) and optionally --junit
    run       run one scenario here and print its summary
    fields    list every scenario field with its type, default and meaning

Exit status: 0 when every scenario ran without findings, 1 when some had findings or failed
(campaign; --allow-findings makes it 0), 2 for a bad command line or configuration.
"""

import argparse
import json
import sys

from ._chimney import FaultPlan, ScenarioConfig, run_scenario
from .points import field_type, grid, parse_seeds, parse_value, replicate, set_field

__all__ = ["main"]


def _config_options(extra):
    """The leftover '--name=value' / '--name value' arguments as [(name, text)]."""
    options, i = [], 0
    while i < len(extra):
        arg = extra[i]
        if not arg.startswith("--"):
            raise ValueError(f"unexpected argument {arg!r}")
        name, sep, value = arg[2:].partition("=")
        if not sep and name == "everything":
            value = "true"
        elif not sep:
            if i + 1 >= len(extra):
                raise ValueError(f"--{name} needs a value")
            i += 1
            value = extra[i]
        options.append((name, value))
        i += 1
    return options


def _base_fields(extra):
    """A config dict from the leftover options (validated by the caller). As in the C++
    program, the fault plan is built from --everything[=false] (start from every fault, or
    none), then --faults=FILE, then the fault-field options, whatever their order."""
    fields = ScenarioConfig().to_dict()
    options = _config_options(extra)
    for name, value in options:
        if name == "everything":
            on = parse_value("verifier", value)  # a bool, parsed like any bool field
            fields["faults"] = (FaultPlan.everything() if on else FaultPlan()).to_dict()
    for name, value in options:
        if name == "faults":
            with open(value) as stream:
                plan = FaultPlan.from_dict(fields["faults"])
                plan.load_json(stream.read())
                fields["faults"] = plan.to_dict()
    for name, value in options:
        if name in ("everything", "faults"):
            continue
        try:
            set_field(fields, name, value)
        except KeyError:
            raise ValueError(f"unknown option --{name} (see: python3 -m chimney_offload fields)")
    return fields


def _sweep_axes(sweeps):
    axes = {}
    for sweep in sweeps:
        name, sep, values = sweep.partition("=")
        if not sep or not values:
            raise ValueError(f"--sweep {sweep!r}: expected NAME=V1,V2,...")
        if field_type(name).startswith("list"):
            raise ValueError(f"--sweep {name}: list fields cannot be swept")
        axes[name] = [parse_value(name, v) for v in values.split(",")]
    return axes


def _campaign(args, extra):
    from .runner import run_campaign

    base = ScenarioConfig.from_dict(_base_fields(extra))
    seeds = parse_seeds(args.seeds) if args.seeds else None
    runs = parse_seeds(args.runs) if args.runs else None
    if args.points:
        if args.sweep:
            raise ValueError("--points and --sweep do not go together (the file lists points)")
        with open(args.points) as stream:
            points = [ScenarioConfig.from_dict(p) for p in json.load(stream)]
        # Every point at every seed and run given here; without --seeds/--runs, its own.
        points = replicate(points, seeds, runs)
    else:
        points = grid(base, _sweep_axes(args.sweep), seeds or [1], runs or [1])
    frame = run_campaign(
        points,
        args.out,
        scheduler=args.scheduler,
        n_workers=args.workers,
        dashboard=not args.no_dashboard,
        progress=not args.no_progress,
        junit=args.junit,
    )
    failed = frame[(frame["status"] != "ok") | (frame.get("findingTotal", 0) > 0)]
    print(
        f"campaign: {len(frame)} scenarios ({frame.attrs['ran']} run, "
        f"{frame.attrs['skipped']} already done), {len(failed)} with findings or errors; "
        f"results: {args.out}" + (f", JUnit: {args.junit}" if args.junit else "")
    )
    for row in failed.head(10).to_dict("records"):
        what = row["error"] if row["status"] != "ok" else f"{int(row['findingTotal'])} findings"
        print(f"  {row['configHash']} seed={int(row['seed'])} run={int(row['run'])}: {what}  "
              f"[{row['command']}]")
    return 1 if len(failed) and not args.allow_findings else 0


def _run(args, extra):
    import pandas

    config = ScenarioConfig.from_dict(_base_fields(extra))
    result = run_scenario(config)
    print(result.summary_text(), end="")
    if args.json:
        with open(args.json, "w") as stream:
            stream.write(result.to_json())
    if args.records:
        pandas.DataFrame(result.records).to_csv(args.records, index=False)
    if args.series:
        pandas.DataFrame(result.series).to_csv(args.series, index=False)
    return 1 if result.finding_total else 0


def _fields(_args, _extra):
    def show(cls):
        defaults = cls()
        for name in cls.FIELDS:
            if name == "faults":
                continue
            doc = (getattr(cls, name).__doc__ or "").split("\n")[0]
            default = repr(getattr(defaults, name))
            print(f"  --{name:<32} {field_type(name):<14} default {default:<12} {doc}")

    print("ScenarioConfig:")
    show(ScenarioConfig)
    print("FaultPlan (also --faults.NAME; --faults=FILE reads a JSON plan, --everything starts")
    print("from every fault kind at moderate rates, --everything=false from none):")
    show(FaultPlan)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m chimney_offload",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Scenario fields: --NAME=VALUE (see the 'fields' command).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    campaign = commands.add_parser(
        "campaign",
        help="run scenarios on Dask distributed",
        description="Run a sweep x seeds x runs as Dask tasks; scenario fields as --NAME=VALUE.",
    )
    campaign.add_argument("--out", default="chimney-results.csv",
                          help="results file, .csv or .json (default: %(default)s)")
    campaign.add_argument("--junit", help="also write a JUnit XML report here")
    campaign.add_argument("--seeds", help="seeds: '1-10', '1,4,9' (default: 1, or each "
                          "--points entry's own)")
    campaign.add_argument("--runs", help="RNG run numbers (replications at a fixed seed, as "
                          "ns-3 advises): '1-10' (default: 1, or each --points entry's own)")
    campaign.add_argument("--sweep", action="append", default=[], metavar="NAME=V1,V2",
                          help="values of one field (repeat for a grid)")
    campaign.add_argument("--points", help="JSON file: a list of config dicts (no sweep)")
    campaign.add_argument("--workers", type=int, default=2,
                          help="LocalCluster worker processes (default: %(default)s)")
    campaign.add_argument("--scheduler", help="Dask scheduler address instead of a LocalCluster")
    campaign.add_argument("--no-dashboard", action="store_true",
                          help="no LocalCluster dashboard")
    campaign.add_argument("--no-progress", action="store_true", help="no progress bar")
    campaign.add_argument("--allow-findings", action="store_true",
                          help="exit 0 even when scenarios have findings")
    campaign.set_defaults(handler=_campaign)

    run = commands.add_parser("run", help="run one scenario here and print its summary")
    run.add_argument("--json", help="write the JSON report here")
    run.add_argument("--records", help="write the per-connection records here (CSV)")
    run.add_argument("--series", help="write the time series here (CSV)")
    run.set_defaults(handler=_run)

    fields = commands.add_parser("fields", help="list the scenario fields")
    fields.set_defaults(handler=_fields)

    args, extra = parser.parse_known_args(argv)
    try:
        return args.handler(args, extra)
    except (ValueError, TypeError, OSError) as error:
        print(f"chimney_offload {args.command}: {error}", file=sys.stderr)
        return 2
