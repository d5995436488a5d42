# SPDX-License-Identifier: GPL-2.0-only
"""Campaign points: configs from options and sweeps, and the (config hash, seed, run) key.

A point is one ScenarioConfig. Its key is (config_hash, seed, run): the hash covers every field
except the seed and the run, so the replications of one configuration share a hash and a results
file can tell which points are already done. Replications, as ns-3 advises (and as the campaign
program's --RngRun and --runs, and SEM, do): a fixed seed and the run number varied.
"""

import hashlib
import itertools
import json
import re

from ._chimney import FaultPlan, ScenarioConfig

__all__ = [
    "config_hash",
    "point_key",
    "field_type",
    "parse_value",
    "set_field",
    "make_config",
    "grid",
    "parse_seeds",
    "replicate",
]


def config_hash(config):
    """16 hex digits of SHA-256 over every field of the config except the seed and the run.

    :param config: a ScenarioConfig or its to_dict()
    """
    fields = config.to_dict() if isinstance(config, ScenarioConfig) else dict(config)
    fields.pop("seed", None)
    fields.pop("run", None)
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def point_key(config):
    """The key of a point in a results file: (config_hash, seed, run)."""
    fields = config.to_dict() if isinstance(config, ScenarioConfig) else dict(config)
    return config_hash(fields), int(fields["seed"]), int(fields.get("run", 1))


def _split(name):
    """'faults.lossRate' or 'lossRate' -> (ScenarioConfig or FaultPlan class, 'lossRate')."""
    if name.startswith("faults."):
        name = name[len("faults."):]
        if name not in FaultPlan.FIELDS:
            raise KeyError(name)
        return FaultPlan, name
    if name in ScenarioConfig.FIELDS and name != "faults":
        return ScenarioConfig, name
    if name in FaultPlan.FIELDS:
        return FaultPlan, name
    raise KeyError(name)


def field_type(name):
    """The Python type of a field, from its docstring: 'int', 'float', 'float seconds', 'bool',
    'str', 'list[str]' or 'list[int]'. Fault-plan fields may be named 'faults.X' or just 'X'."""
    cls, field = _split(name)
    doc = getattr(cls, field).__doc__ or ""
    match = re.search(r":type: (.+)", doc)
    return match.group(1).strip() if match else "str"


_TIME_UNITS = {
    "": 1.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "ns": 1e-9,
    "min": 60.0,
    "h": 3600.0,
}


def _parse_seconds(text):
    match = re.fullmatch(r"\s*\+?([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*([a-z]*)\s*", text)
    if not match or match.group(2) not in _TIME_UNITS:
        raise ValueError(f"not a time: {text!r} (e.g. 0.5, 20ms, 1.5s)")
    return float(match.group(1)) * _TIME_UNITS[match.group(2)]


def parse_value(name, text):
    """Parse an option value given as text ('--lossRate=0.01', '--delay=5ms') for a field."""
    kind = field_type(name)
    try:
        if kind == "int":
            return int(text, 0)
        if kind == "float":
            return float(text)
        if kind == "float seconds":
            return _parse_seconds(text)
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"not a bool: {text!r}")
        if kind == "list[int]":
            return [int(x, 0) for x in text.split(",") if x.strip()]
        if kind == "list[str]":
            return [x.strip() for x in text.split(",") if x.strip()]
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None
    return text


def set_field(fields, name, value):
    """Set a field in a config dict (ScenarioConfig.to_dict() form); fault-plan fields may be
    named 'faults.X' or just 'X'. Text values are parsed for the field's type."""
    cls, field = _split(name)
    if isinstance(value, str) and field_type(name) != "str":
        value = parse_value(name, value)
    if cls is FaultPlan:
        fields.setdefault("faults", {})[field] = value
    else:
        fields[field] = value
    return fields


def make_config(base=None, **settings):
    """A validated ScenarioConfig from a base (config or dict) and settings whose names may be
    dotted ('faults.lossRate') or flat fault-plan names."""
    if base is None:
        fields = ScenarioConfig().to_dict()
    elif isinstance(base, ScenarioConfig):
        fields = base.to_dict()
    else:
        fields = ScenarioConfig.from_dict(dict(base)).to_dict()
    for name, value in settings.items():
        if name == "faults":  # a whole plan: a FaultPlan or a dict of its fields
            fields["faults"] = value.to_dict() if isinstance(value, FaultPlan) else dict(value)
        else:
            set_field(fields, name, value)
    return ScenarioConfig.from_dict(fields)


def grid(base=None, axes=None, seeds=(1,), runs=(1,)):
    """Every combination of the axes' values, for every seed and run, as validated
    ScenarioConfigs.

    :param base: ScenarioConfig (or dict) the points start from
    :param axes: {field name: [values]}; names as for make_config; a value may also be a dict of
                 several fields set together (e.g. {"graceful": 1, "abortive": 0, ...})
    :param seeds: the seeds of every combination
    :param runs: the RNG run numbers (replications) of every combination and seed
    """
    axes = dict(axes or {})
    names = list(axes)
    points = []
    for combination in itertools.product(*(axes[n] for n in names)):
        settings = {}
        for name, value in zip(names, combination):
            if isinstance(value, dict):
                settings.update(value)
            else:
                settings[name] = value
        config = make_config(base, **settings)
        points.extend(replicate([config], seeds, runs))
    return points


def replicate(points, seeds=None, runs=None):
    """Every point at every seed and every run (None: the point's own seed or run).

    :param points: ScenarioConfigs (or dicts)
    """
    out = []
    for point in points:
        config = point if isinstance(point, ScenarioConfig) else ScenarioConfig.from_dict(point)
        for seed in seeds if seeds is not None else [config.seed]:
            for run in runs if runs is not None else [config.run]:
                out.append(config.replace(seed=int(seed), run=int(run)))
    return out


def parse_seeds(text):
    """'1-10', '1,2,5' or '1-3,7' -> a list of seeds (or of run numbers)."""
    seeds = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            seeds.extend(range(int(lo), int(hi) + 1))
        else:
            seeds.append(int(part))
    if not seeds:
        raise ValueError(f"no seeds in {text!r}")
    return seeds
