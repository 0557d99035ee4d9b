#!/usr/bin/python3
"""Combines an execd-bench report and a python_baseline.py report (taken in
one run) into the Markdown results of docs/performance.md: the targets as
measured ratios, then the figures behind them.
Usage: compare.py BENCH.json PYTHON.json"""

import json
import sys


def get(report, path):
    for part in path.split("."):
        if not isinstance(report, dict) or part not in report:
            return None
        report = report[part]
    return report


def fmt(value, digits=0):
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if digits == 0 and abs(value) >= 100:
        return "{:,.0f}".format(value)
    if digits == 0 and float(value).is_integer():
        return "%d" % value
    return "{:.{}f}".format(value, max(digits, 2))


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def largest_scale_level(bench):
    levels = [k for k in (bench.get("scale") or {}) if k.startswith("queued_")]
    levels.sort(key=lambda k: int(k.split("_")[1]))
    return levels


def targets(bench, py):
    rows = []
    best_stream = get(bench, "streaming.best_tasks_per_second")
    py_tpe = get(py, "thread_pool.submit_result.tasks_per_second")
    rows.append(("streaming no-op tasks/s vs Python ThreadPoolExecutor submit+result "
                 "(SubmitStream, one message per task)",
                 fmt(best_stream), fmt(py_tpe), ratio(best_stream, py_tpe), ">= 2", True))
    batched = get(bench, "streaming.batched_best_tasks_per_second")
    if batched:
        rows.append(("streaming no-op tasks/s vs Python ThreadPoolExecutor submit+result "
                     "(SubmitBatchStream, many tasks per message)",
                     fmt(batched), fmt(py_tpe), ratio(batched, py_tpe), ">= 2", True))
    unary = get(bench, "unary.submit_result.p50_us")
    bare = get(bench, "unary.bare_grpc_echo.p50_us")
    rows.append(("unary Submit+Result p50 (us) vs bare gRPC echo p50",
                 fmt(unary), fmt(bare), ratio(unary, bare), "<= 2", False))
    skipped = get(bench, "process_pool.skipped")
    proc = None if skipped else get(bench, "process_pool.stream_dispatch.tasks_per_second")
    py_ppe = get(py, "process_pool.submit_result.tasks_per_second")
    rows.append(("process pool echo tasks/s vs Python ProcessPoolExecutor (SubmitStream)",
                 fmt(proc) if proc else "skipped", fmt(py_ppe), ratio(proc, py_ppe), ">= 3", True))
    proc_batched = None if skipped else get(
        bench, "process_pool.batched_stream_dispatch.tasks_per_second")
    if proc_batched:
        rows.append(("process pool echo tasks/s vs Python ProcessPoolExecutor (SubmitBatchStream)",
                     fmt(proc_batched), fmt(py_ppe), ratio(proc_batched, py_ppe), ">= 3", True))
    map256 = None if skipped else get(bench, "process_pool.map_chunksize_256.items_per_second")
    py_map = get(py, "process_pool.map_chunksize_256.items_per_second")
    rows.append(("process Map chunksize 256 items/s vs Python map(chunksize=256) "
                 "(Map, one result per message)",
                 fmt(map256) if map256 else "skipped", fmt(py_map), ratio(map256, py_map), ">= 1", True))
    for prefix, how in (("batched_", "MapBatchStream, many results per message"),
                        ("outcomes_", "MapBatchStream, outcomes_only: items that are not tasks")):
        rate = None if skipped else get(
            bench, "process_pool.%smap_chunksize_256.items_per_second" % prefix)
        if rate:
            rows.append(("process Map chunksize 256 items/s vs Python map(chunksize=256) (%s)" % how,
                         fmt(rate), fmt(py_map), ratio(rate, py_map), ">= 1", True))
    paired = "process_pool.paired_outcomes_map_chunksize_256."
    paired_ratio = None if skipped else get(bench, paired + "ratio")
    if paired_ratio:
        # Call for call in turns (python_map_peer.py): the median of the
        # pairs' ratios, with each side's median rate beside it.
        rows.append(("the same, execd's `echo` and Python's `noop` in turns, median of %d rounds' ratios"
                     % get(bench, paired + "pairs"),
                     fmt(get(bench, paired + "execd_items_per_second")),
                     fmt(get(bench, paired + "python_items_per_second")),
                     paired_ratio, ">= 1", True))
        # The same function on both sides: execd's noop returns its
        # arguments' list as Python's noop returns their tuple; Python's
        # echo_result returns what echo does ({"args": [...], "kwargs": {}}).
        for name, section, execd_rate, python_rate in (
                ("the same with execd's `noop` against Python's `noop` "
                 "(the same function both sides)", "noop_on_both_sides.",
                 "noop_on_both_sides.execd_items_per_second", "python_items_per_second"),
                ("the same, execd's `echo` against Python's `echo_result` "
                 "(the same results both sides)", "same_result.",
                 "execd_items_per_second", "same_result.python_items_per_second")):
            if get(bench, paired + section + "ratio"):
                rows.append((name, fmt(get(bench, paired + execd_rate)),
                             fmt(get(bench, paired + python_rate)),
                             get(bench, paired + section + "ratio"), ">= 1", True))
    levels = largest_scale_level(bench)
    if levels:
        last = levels[-1]
        per_task = get(bench, "scale.%s.bytes_per_task_since_baseline" % last)
        rows.append(("server bytes per queued no-op task (%s)" % last,
                     fmt(per_task), "512", ratio(per_task, 512), "<= 1 (512 B)", False))
        first_tp = get(bench, "scale.%s.echo_tasks_per_second" % levels[0])
        last_tp = get(bench, "scale.%s.echo_tasks_per_second" % last)
        rows.append(("echo tasks/s at %s vs at %s" % (last, levels[0]),
                     fmt(last_tp), fmt(first_tp), ratio(last_tp, first_tp), ">= 0.8", True))
    finished = get(bench, "callback.finished_event_after_end.p50_us")
    rows.append(("FINISHED event p50 after task end (us) vs 100 us",
                 fmt(finished), "100", ratio(finished, 100), "<= 1", False))
    out = ["| target | execd | reference | ratio | goal | met |",
           "|---|---:|---:|---:|---|---|"]
    for name, value, reference, r, goal, higher_better in rows:
        limit = float(goal.split()[1])
        met = "n/a" if r is None else (
            "yes" if (r >= limit if higher_better else r <= limit) else "**no**")
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            name, value, reference, fmt(r, 2) if r is not None else "n/a", goal, met))
    return out


def floors(bench, py):
    """What gRPC alone allows on this machine for the two patterns whose
    targets are missed: execd's messages on the bare server, no executor."""
    rows = []
    bare = get(bench, "unary.bare_grpc_echo.p50_us")
    handoff = get(bench, "unary.handoff_collect_floor.p50_us")
    unary = get(bench, "unary.submit_result.p50_us")
    rows.append(("bare HandOff + Collect p50 (us): Submit + Result with no executor",
                 fmt(handoff), "bare echo %s" % fmt(bare), ratio(handoff, bare),
                 "the unary target asks <= 2"))
    rows.append(("execd Submit + Result p50 (us) vs that floor",
                 fmt(unary), fmt(handoff), ratio(unary, handoff), "1 = no executor cost"))
    py_map = get(py, "process_pool.map_chunksize_256.items_per_second")
    replay = get(bench, "process_pool.map_floor.items_per_second")
    lean = get(bench, "process_pool.map_floor.index_state_result_only.items_per_second")
    batched_map = get(bench, "process_pool.batched_map_chunksize_256.items_per_second")
    rows.append(("bare replay of execd's MapBatchStream results (items/s) vs Python map(cs256)",
                 fmt(replay), fmt(py_map), ratio(replay, py_map),
                 "the Map target asks >= 1"))
    rows.append(("the same, results cut to index, state and result",
                 fmt(lean), fmt(py_map), ratio(lean, py_map), "what items that are not tasks could reach"))
    rows.append(("execd MapBatchStream cs256 (items/s) vs the full replay",
                 fmt(batched_map), fmt(replay), ratio(batched_map, replay), "1 = no executor cost"))
    outcomes_map = get(bench, "process_pool.outcomes_map_chunksize_256.items_per_second")
    rows.append(("execd MapBatchStream outcomes_only cs256 (items/s) vs the cut replay",
                 fmt(outcomes_map), fmt(lean), ratio(outcomes_map, lean), "1 = no executor cost"))
    out = ["| floor | measured | compared with | ratio | meaning |",
           "|---|---:|---:|---:|---|"]
    for name, value, reference, r, meaning in rows:
        out.append("| %s | %s | %s | %s | %s |" % (
            name, value, reference, fmt(r, 2) if r is not None else "n/a", meaning))
    return out


def map_cpu(bench):
    """CPU per item of the paired Maps, by process: where execd's items cost
    more than Python's map (empty when the bench did not start the server)."""
    per_item = "process_pool.paired_outcomes_map_chunksize_256.cpu_us_per_item."
    if get(bench, per_item + "execd_server") is None:
        return []

    def execd_side(name, prefix):
        return (name, get(bench, per_item + prefix + "_client"),
                get(bench, per_item + prefix + "_server"),
                get(bench, per_item + prefix + "_workers"))

    def python_side(name, prefix):
        return (name, get(bench, per_item + prefix + "_parent"), None,
                get(bench, per_item + prefix + "_workers"))

    sides = {
        "echo": execd_side("execd outcomes Map of `echo`", "execd"),
        "noop": execd_side("execd outcomes Map of `noop` (returns its arguments' list)",
                           "execd_noop"),
        "py_noop": python_side("Python map of `noop` (returns its arguments' tuple)",
                               "python"),
        "py_echo_result": python_side("Python map of `echo_result` (returns echo's result)",
                                      "python_echo_result"),
    }
    sides = {key: side for key, side in sides.items() if side[1] is not None}
    out = ["", "CPU per Map item in the paired calls (us, all threads of each process):", "",
           "| side | client / Python's parent | server | workers | total |",
           "|---|---:|---:|---:|---:|"]
    totals = {}
    for key, (name, client, middle, workers) in sides.items():
        totals[key] = sum(v for v in (client, middle, workers) if v is not None)
        out.append("| %s | %s | %s | %s | %s |" % (
            name, fmt(client, 2), fmt(middle, 2) if middle is not None else "-",
            fmt(workers, 2), fmt(totals[key], 2)))
    # On 2 shared cores the rates follow these totals, and their ratio
    # moves far less from run to run than the rates' do.
    pairs = [("`noop` both sides", "py_noop", "noop"),
             ("`echo` vs `echo_result`", "py_echo_result", "echo"),
             ("`echo` vs `noop` (the first sessions' figure)", "py_noop", "echo")]
    shown = ["%s %s" % (name, fmt(totals[python] / totals[execd], 2))
             for name, python, execd in pairs
             if totals.get(python) and totals.get(execd)]
    if shown:
        out += ["", "Python's CPU per item over execd's (the rate ratio CPU alone would give): " +
                ", ".join(shown)]
    return out


def flatten(section, prefix=""):
    for key in sorted(section):
        value = section[key]
        path = prefix + "." + key if prefix else key
        if isinstance(value, dict):
            yield from flatten(value, path)
        else:
            yield path, value


def figures(title, report):
    out = ["", "#### " + title, "", "| figure | value |", "|---|---:|"]
    for path, value in flatten(report):
        if path.startswith("machine.") or path.startswith("python."):
            continue
        out.append("| %s | %s |" % (path, fmt(value) if not isinstance(value, str)
                                    else value.replace("|", "/")))
    return out


def main(bench_path, py_path):
    with open(bench_path) as f:
        bench = json.load(f)
    with open(py_path) as f:
        py = json.load(f)
    machine = bench.get("machine", {})
    lines = [
        "Machine: %s cores (nproc), %s, %s MiB RAM, 1-minute load average %s "
        "at the start; execd-bench mode: %s; Python %s." % (
            fmt(machine.get("nproc")), machine.get("cpu_model", "?"),
            fmt(machine.get("mem_total_mib")), fmt(machine.get("loadavg_1m"), 2),
            get(bench, "run.mode"), get(py, "python.version")),
        "",
        "Parallel CPU the machine gave during this run (Python, %s CPU-bound "
        "processes at once vs one alone; ideal %s): speedup %s." % (
            fmt(get(py, "cpu_parallel_speedup.tasks")), fmt(get(py, "cores")),
            fmt(get(py, "cpu_parallel_speedup.speedup"), 2)),
        "",
    ]
    lines += targets(bench, py)
    lines += ["", "Floors: execd's message patterns on the bare gRPC server, no executor "
              "behind them, in the same run (bench/floors.h):", ""]
    lines += floors(bench, py)
    lines += map_cpu(bench)
    lines += figures("execd-bench", bench)
    lines += figures("python_baseline.py", py)
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
