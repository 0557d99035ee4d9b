#!/usr/bin/python3
"""Checks an execd-bench JSON report: valid JSON, every scenario present and
without an error, and the key figures of each scenario that ran. No speed
assertions. Usage: check_bench_json.py REPORT.json"""

import json
import sys

SCENARIOS = ["unary", "streaming", "callback", "process_pool", "seed", "scale",
             "client"]

# Figures each scenario must report (dotted paths), unless it was skipped.
REQUIRED = {
    "unary": ["submit_result.p50_us", "submit_result.p99_us",
              "submit_result.p999_us", "bare_grpc_echo.p50_us",
              "p50_ratio_vs_bare_echo", "handoff_collect_floor.p50_us",
              "floor_p50_ratio_vs_bare_echo", "p50_ratio_vs_floor"],
    "streaming": ["streams_1.tasks_per_second", "streams_4.tasks_per_second",
                  "streams_16.tasks_per_second", "best_tasks_per_second",
                  "batched_streams_4.tasks_per_second",
                  "batched_best_tasks_per_second"],
    "callback": ["finished_event_after_end.p50_us"],
    "process_pool": ["submit_result.p50_us", "stream_dispatch.tasks_per_second",
                     "batched_stream_dispatch.tasks_per_second",
                     "map_chunksize_1.items_per_second",
                     "map_chunksize_16.items_per_second",
                     "map_chunksize_256.items_per_second",
                     "batched_map_chunksize_1.items_per_second",
                     "batched_map_chunksize_16.items_per_second",
                     "batched_map_chunksize_256.items_per_second",
                     "outcomes_map_chunksize_1.items_per_second",
                     "outcomes_map_chunksize_16.items_per_second",
                     "outcomes_map_chunksize_256.items_per_second",
                     "paired_outcomes_map_chunksize_256.ratio",
                     "paired_outcomes_map_chunksize_256.cpu_us_per_item"
                     ".execd_client",
                     "paired_outcomes_map_chunksize_256.cpu_us_per_item"
                     ".python_parent",
                     "paired_outcomes_map_chunksize_256.same_result.ratio",
                     "paired_outcomes_map_chunksize_256.noop_on_both_sides"
                     ".ratio",
                     "map_floor.items_per_second",
                     "map_floor.client_parse_us_per_item",
                     "map_floor.index_state_result_only.items_per_second"],
    "seed": ["sleep_10_on_5_threads.seconds", "primes.one_task_seconds"],
    "scale": ["throughput_last_vs_first"],
    "client": ["submit_loop.accepted_per_second",
               "submit_many.accepted_per_second",
               "submit_many.done_per_second", "submit_many_vs_submit_loop"],
}


def lookup(section, path):
    for part in path.split("."):
        if not isinstance(section, dict) or part not in section:
            return None
        section = section[part]
    return section


def main(path):
    with open(path) as f:
        report = json.load(f)
    problems = []
    for name in ["machine", "run"] + SCENARIOS:
        if name not in report:
            problems.append("missing section %r" % name)
    for name in SCENARIOS:
        section = report.get(name, {})
        if "error" in section:
            problems.append("%s failed: %s" % (name, section["error"]))
            continue
        if "skipped" in section:
            continue
        for key in REQUIRED[name]:
            value = lookup(section, key)
            if not isinstance(value, (int, float)):
                problems.append("%s.%s missing or not a number" % (name, key))
    scale_levels = [k for k in report.get("scale", {}) if k.startswith("queued_")]
    if not scale_levels:
        problems.append("scale reported no queued_* level")
    for problem in problems:
        print("check_bench_json: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
