# SPDX-License-Identifier: GPL-2.0-only
"""Campaign runner: many scenarios as tasks on Dask distributed.

One scenario is one task; a worker process runs one task at a time (ns-3 has one simulator per
process). By default the runner starts a LocalCluster on this machine (worker processes, one
thread each, scheduler, workers and dashboard on 127.0.0.1 only); given a scheduler address it
uses that cluster instead, whose workers must be able to import chimney_offload.

Each point runs in a forked child of the process that runs it (run_point), so a scenario that
crashes (ns-3 3.37's TcpSocketBase does, on a few seeds with native peers and every fault kind)
gives an error row naming the signal, the same row whether the points run one by one or on any
number of Dask workers, instead of killing the worker (Dask would then retry it, and the tasks
queued with it, a varying number of times). The child is long-lived: it runs the points of its
process (thread) one after another and is replaced when it crashes, so the fork (page tables,
copy-on-write faults of the parent's memory) is paid once per POINTS_PER_CHILD points, not once
per point. Every scenario sets its seed, run and random streams and ends with
Simulator::Destroy(), so a point gives the same row in a fresh child and after other points
(pytest test_a_reused_child_gives_the_rows_of_fresh_children); isolate="fork" keeps the old
fresh child per point.

Results are one row per scenario, keyed by (configHash, seed, run), and saved as CSV or JSON. A
results file makes a campaign idempotent: points whose key is already in it with status "ok"
are not run again, so an interrupted campaign resumes where it stopped.
"""

import faulthandler
import importlib.util
import json
import logging
import math
import os
import pickle
import signal
import struct
import tempfile
import threading
import time

import pandas

from ._chimney import ScenarioConfig, run_scenario
from .points import config_hash, field_type, point_key

__all__ = [
    "KEY",
    "NONDETERMINISTIC",
    "run_point",
    "stop_child",
    "result_row",
    "run_campaign",
    "run_points",
    "load_results",
    "save_results",
]

#: The columns that identify a point.
KEY = ("configHash", "seed", "run")

#: Columns that differ between two runs of the same point (wall time, memory).
NONDETERMINISTIC = ("wallSeconds", "peakRssBytes")

#: Findings kept per row (for JUnit and the findings table); the counts are always complete.
MAX_FINDINGS = 20

#: Points one long-lived child runs before it is replaced (bounds what a child may accumulate,
#: e.g. heap fragmentation; the fork costs about as much as one small point).
POINTS_PER_CHILD = 500


def _flatten_config(fields):
    row = {}
    for name, value in fields.items():
        if name == "faults":
            for fault, fault_value in value.items():
                row[f"config.faults.{fault}"] = (
                    json.dumps(fault_value) if isinstance(fault_value, list) else fault_value
                )
        else:
            row[f"config.{name}"] = json.dumps(value) if isinstance(value, list) else value
    return row


def _stats(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return 0, math.nan, math.nan
    return len(values), sum(values) / len(values), max(values)


def result_row(result, max_findings=MAX_FINDINGS):
    """One results row (a flat dict of scalars) from a ScenarioResult or its to_dict()."""
    data = result.to_dict() if hasattr(result, "to_dict") else result
    config = ScenarioConfig.from_dict(data["config"])
    summary = data["summary"]
    row = {
        "configHash": config_hash(data["config"]),
        "seed": int(data["config"]["seed"]),
        "run": int(data["config"].get("run", 1)),
        "status": "ok",
        "error": "",
        "command": config.to_command_line(),
        "reproduce": data.get("reproduce") or "./run.sh " + config.to_command_line(),
    }
    for name in (
        "connections",
        "endToEndFailures",
        "findingTotal",
        "findingsStored",
        "simTime",
        "events",
        "wallSeconds",
        "peakRssBytes",
    ):
        row[name] = summary[name]
    for prefix, counts in (
        ("outcome.", summary["outcomes"]),
        ("closeType.", summary["closeTypes"]),
        ("findings.", summary["findingCounts"]),
        ("faultsFired.", summary["faultsFired"]),
    ):
        for name, count in counts.items():
            row[prefix + name] = count
    row["faultsConfigured"] = ",".join(summary["faultsConfigured"])
    row["unfiredFaults"] = ",".join(summary["unfiredFaults"])
    # Per-connection figures worth comparing across a campaign.
    latencies, holds = [], []
    for record in data["records"]:
        if record["disconnectTime"] is not None and record["disconnectCompleteTime"] is not None:
            latencies.append(record["disconnectCompleteTime"] - record["disconnectTime"])
        if record["offloadTime"] is not None and record["terminateCompleteTime"] is not None:
            holds.append(record["terminateCompleteTime"] - record["offloadTime"])
    row["disconnects"], row["disconnectLatencyMean"], row["disconnectLatencyMax"] = _stats(
        latencies
    )
    row["terminates"], row["holdTimeMean"], row["holdTimeMax"] = _stats(holds)
    row["findingsList"] = json.dumps(data["findings"][:max_findings])
    row.update(_flatten_config(data["config"]))
    return row


def error_row(fields, error):
    """The row of a point whose task failed (it is run again by the next campaign)."""
    config = ScenarioConfig.from_dict(fields)
    row = {
        "configHash": config_hash(fields),
        "seed": int(fields["seed"]),
        "run": int(fields.get("run", 1)),
        "status": "error",
        "error": str(error).strip().splitlines()[-1] if str(error).strip() else repr(error),
        "command": config.to_command_line(),
        "reproduce": "./run.sh " + config.to_command_line(),
    }
    row.update(_flatten_config(fields))
    return row


def run_point(fields, isolate=True):
    """Run one point (a ScenarioConfig.to_dict()) and return its results row: the Dask task.

    :param isolate: True (the default, where os.fork exists): run the scenario in this thread's
                    long-lived forked child, started on first use and replaced after a crash or
                    POINTS_PER_CHILD points: a crash gives an error row naming the signal
                    instead of ending this process, and only the crashing point is lost;
                    "fork": a fresh forked child for this point alone; False: run it here
    """
    if not isolate or not hasattr(os, "fork"):
        return result_row(run_scenario(ScenarioConfig.from_dict(fields)))
    if isolate == "fork":
        return _run_in_child(fields)
    return _reused_child().run(fields)


def _crash_row(fields, status):
    """The error row of a point whose child ended without a result (waitpid status)."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:  # a real-time signal has no name
            name = f"SIG{number}"
        return error_row(
            fields, f"scenario crashed with {name} (signal {number}); the reproduce command runs it alone"
        )
    return error_row(fields, f"scenario process ended with exit status {os.WEXITSTATUS(status)} and no result")


def _run_here(fields):
    """("ok", row) or ("raised", exception), pickled: what a child sends back for a point."""
    try:
        message = ("ok", run_point(fields, isolate=False))
    except Exception as error:  # noqa: BLE001 - handed to the parent as is
        message = ("raised", error)
    try:
        return pickle.dumps(message)
    except Exception:  # an exception that does not pickle
        return pickle.dumps(("raised", RuntimeError(f"{type(message[1]).__name__}: {message[1]}")))


def _run_in_child(fields):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, send back ("ok", row) or ("raised", exception), leave
        code = 0
        try:
            os.close(read_end)
            _Child.close_inherited()
            faulthandler.disable()  # a crash is reported by the parent, as a row
            data = _run_here(fields)
            with os.fdopen(write_end, "wb") as stream:
                stream.write(data)
        except BaseException:  # noqa: BLE001 - nothing may unwind past the fork
            code = 70
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stream:
        data = stream.read()  # before waitpid: a large row must not block the child's write
    _, status = os.waitpid(pid, 0)
    if not data:
        return _crash_row(fields, status)
    kind, value = pickle.loads(data)
    if kind == "raised":
        raise value
    return value


_fork_lock = threading.Lock()
_HEADER = struct.Struct("<Q")  # the length of each pickled message on the pipes


def _write_message(fd, data):
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd, size):
    """size bytes from fd, or None at end of file (the other side ended)."""
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_message(fd):
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(header)[0])


class _Child:
    """A forked child that runs points sent over a pipe one after another, until it crashes,
    its pipe closes (this process ended or replaced it) or it ran POINTS_PER_CHILD points."""

    _open = set()  # this process's pipe ends to its children (closed in every new child)

    def __init__(self):
        request_read, self._request = os.pipe()
        self._reply, reply_write = os.pipe()
        self.code = run_scenario  # a child runs what run_scenario was when it was forked
        self.owner = os.getpid()
        self.points = 0
        with _fork_lock:  # no other thread adds pipes while this child inherits them
            self.pid = os.fork()
            if self.pid == 0:
                code = 0
                try:
                    os.close(self._request)
                    os.close(self._reply)
                    _Child.close_inherited()
                    faulthandler.disable()  # a crash is reported by the parent, as a row
                    _Child._serve(request_read, reply_write)
                except BaseException:  # noqa: BLE001 - nothing may unwind past the fork
                    code = 70
                finally:
                    os._exit(code)
            os.close(request_read)
            os.close(reply_write)
            _Child._open.update((self._request, self._reply))

    @staticmethod
    def close_inherited():
        """In a new child: close the pipes of this process's other children, so that those
        see the end of file when this process ends or replaces them."""
        for fd in _Child._open:
            try:
                os.close(fd)
            except OSError:
                pass
        _Child._open.clear()
        _local.__dict__.clear()

    @staticmethod
    def _serve(requests, replies):
        while True:
            request = _read_message(requests)
            if request is None:
                return  # the parent closed the pipe: done
            # The peak RSS reported for a point is this child's since the point started.
            try:
                with open("/proc/self/clear_refs", "w") as stream:
                    stream.write("5")
            except OSError:
                pass
            _write_message(replies, _run_here(pickle.loads(request)))

    def usable(self):
        return (self.pid is not None and self.owner == os.getpid() and self.code is run_scenario
                and self.points < POINTS_PER_CHILD)

    def run(self, fields):
        self.points += 1
        try:
            _write_message(self._request, pickle.dumps(fields))
            data = _read_message(self._reply)
        except BrokenPipeError:  # the child is gone already
            data = None
        except BaseException:  # e.g. KeyboardInterrupt: the child's reply would be out of step
            self.stop(kill=True)
            raise
        if data is None:  # it died on this point: report it as crashed; the next gets a new child
            return _crash_row(fields, self.stop())
        kind, value = pickle.loads(data)
        if kind == "raised":
            raise value
        return value

    def stop(self, kill=False):
        """End the child (its closed request pipe makes it leave its loop; kill: at once) and
        reap it; returns its waitpid status."""
        if self.pid is None:
            return 0
        with _fork_lock:
            for fd in (self._request, self._reply):
                _Child._open.discard(fd)
                os.close(fd)
        pid, self.pid = self.pid, None
        if kill:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        return status


_local = threading.local()


def _reused_child():
    child = getattr(_local, "child", None)
    if child is not None and not child.usable():
        if child.owner == os.getpid():
            child.stop()
        child = None
    if child is None:
        child = _local.child = _Child()
    return child


def stop_child():
    """End this thread's long-lived child, if any (it is also ended when this process ends)."""
    child = getattr(_local, "child", None)
    _local.__dict__.pop("child", None)
    if child is not None and child.owner == os.getpid():
        child.stop()


def _as_fields(point):
    if isinstance(point, ScenarioConfig):
        point.validate()
        return point.to_dict()
    return ScenarioConfig.from_dict(dict(point)).to_dict()  # validates


_TEXT_COLUMNS = ("status", "error", "command", "reproduce", "faultsConfigured", "unfiredFaults", "findingsList")


def _frame(rows):
    frame = pandas.DataFrame(rows)
    # Counters missing from some rows (an outcome that did not occur) are zero.
    for column in frame.columns:
        if column.split(".")[0] in ("outcome", "closeType", "findings", "faultsFired"):
            frame[column] = frame[column].fillna(0).astype("int64")
    return frame


def load_results(path):
    """Read a results file (CSV or JSON by extension); an empty frame when it does not exist."""
    if not path or not os.path.exists(path):
        return pandas.DataFrame()
    if str(path).endswith(".json"):
        with open(path) as stream:
            return _frame(json.load(stream))
    frame = _frame(pandas.read_csv(path, keep_default_na=False, na_values=[""]))
    # CSV writes "" and NaN alike: text columns get their "" back.
    for column in frame.columns:
        if column in _TEXT_COLUMNS or (
            column.startswith("config.") and field_type(column[len("config."):]) == "str"
        ):
            frame[column] = frame[column].fillna("").astype(str)
    return frame


def save_results(frame, path):
    """Write a results frame as CSV or JSON (by extension), atomically."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".chimney-results-")
    os.close(handle)
    try:
        if str(path).endswith(".json"):
            rows = json.loads(frame.to_json(orient="records"))
            with open(temporary, "w") as stream:
                json.dump(rows, stream, indent=1)
        else:
            frame.to_csv(temporary, index=False)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _keys(frame):
    """The KEY of every row (files written before the run column count as run 1)."""
    runs = frame["run"] if "run" in frame else [1] * len(frame)
    return list(zip(frame["configHash"], (int(s) for s in frame["seed"]), (int(r) for r in runs)))


def _merge(existing, rows):
    """Existing rows with `rows` added or replacing those of the same key."""
    fresh = _frame(rows)
    if existing.empty:
        return fresh
    if fresh.empty:
        return existing
    keys = set(_keys(fresh))
    kept = existing[[k not in keys for k in _keys(existing)]]
    return _frame(pandas.concat([kept, fresh], ignore_index=True).to_dict("records"))


def _select(frame, keys):
    """The rows of `keys`, in that order."""
    index = {k: i for i, k in enumerate(_keys(frame))}
    return frame.iloc[[index[k] for k in keys]].reset_index(drop=True)


def _progress_bar(progress, total, initial):
    if progress is True:
        from tqdm import tqdm

        return tqdm(total=total, initial=initial, unit="scenario", desc="campaign")
    return None


def run_points(points, progress=None, isolate=True):
    """Run points one by one from this process (no Dask) and return their rows as a DataFrame,
    in the points' order; what the campaign's results are compared with. isolate: as in
    run_point."""
    rows = []
    for point in points:
        rows.append(run_point(_as_fields(point), isolate=isolate))
        if callable(progress):
            progress(rows[-1])
    return _frame(rows)


def run_campaign(
    points,
    results=None,
    *,
    scheduler=None,
    n_workers=2,
    dashboard=True,
    progress=None,
    junit=None,
    save_every=2.0,
    isolate=True,
):
    """Run every point not already done as one Dask task and return all their rows.

    :param points: ScenarioConfigs (or their dicts); duplicates are run once
    :param results: results file (.csv or .json) read first and written as rows arrive; points
                    whose (configHash, seed, run) is in it with status "ok" are skipped
    :param scheduler: a Dask scheduler address ("tcp://host:8786") or a distributed.Client;
                      None starts a LocalCluster of n_workers processes on 127.0.0.1
    :param n_workers: worker processes of the LocalCluster (one thread each)
    :param dashboard: serve the LocalCluster's dashboard on 127.0.0.1 (a free port)
    :param progress: True for a tqdm bar, or a callable given each new row
    :param junit: also write a JUnit XML report of the returned rows there
    :param save_every: seconds between saves of the results file while running
    :param isolate: as in run_point (True: each worker's long-lived child; "fork": a fresh child
                    per point)
    :returns: a DataFrame, one row per distinct point in the points' order;
              frame.attrs["ran"] and frame.attrs["skipped"] count the points run and skipped,
              frame.attrs["dashboard"] is the LocalCluster's dashboard link (or None)
    """
    fields_list, keys, seen = [], [], set()
    for point in points:
        fields = _as_fields(point)
        key = point_key(fields)
        if key not in seen:
            seen.add(key)
            fields_list.append(fields)
            keys.append(key)

    table = load_results(results)
    done = set()
    if not table.empty:
        ok = table[table["status"] == "ok"]
        done = set(_keys(ok))
    todo = [(k, f) for k, f in zip(keys, fields_list) if k not in done]

    bar = _progress_bar(progress, len(keys), len(keys) - len(todo))
    dashboard_link = None
    new_rows = []
    try:
        if todo:
            dashboard_link = _run_on_dask(
                todo, scheduler, n_workers, dashboard, new_rows, bar, progress,
                lambda rows: save_results(_merge(table, rows), results) if results else None,
                save_every, isolate,
            )
    finally:
        if bar is not None:
            bar.close()
    table = _merge(table, new_rows)
    if results:
        save_results(table, results)
    frame = _select(table, keys) if keys else _frame([])
    frame.attrs.update(ran=len(todo), skipped=len(keys) - len(todo), dashboard=dashboard_link)
    if junit:
        from .junit import write_junit

        write_junit(frame, junit)
    return frame


def _has_bokeh():
    """The dashboard needs bokeh (not a Debian dependency of python3-distributed)."""
    return importlib.util.find_spec("bokeh") is not None


def _run_on_dask(todo, scheduler, n_workers, dashboard, new_rows, bar, progress, save, every, isolate):
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    own_client = False
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # The scheduler's HTTP server (health, metrics, the dashboard when asked for and
            # bokeh is installed) listens on a free loopback port, never on 0.0.0.0:8787.
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": bool(dashboard)},
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        own_client = True
    elif isinstance(scheduler, str):
        client = Client(scheduler)
        own_client = True
    else:
        client = scheduler
    try:
        link = client.dashboard_link if cluster is not None and dashboard and _has_bokeh() else None
        futures = {}
        for key, fields in todo:
            future = client.submit(
                run_point, fields, isolate, key=f"chimney-{key[0]}-{key[1]}-{time.time_ns()}", pure=False
            )
            futures[future] = fields
        last_save = time.monotonic()
        for future in as_completed(list(futures)):
            try:
                row = future.result()
            except Exception as error:  # the task raised or its worker died
                row = error_row(futures[future], f"{type(error).__name__}: {error}")
            new_rows.append(row)
            if bar is not None:
                bar.update(1)
            elif callable(progress):
                progress(row)
            if time.monotonic() - last_save >= every:
                save(new_rows)
                last_save = time.monotonic()
        return link
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()
