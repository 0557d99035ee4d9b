#!/usr/bin/python3
"""Python concurrent.futures baseline for execd-bench (standard library only).

Measures, for ThreadPoolExecutor and ProcessPoolExecutor with execd's default
pool sizes (threads: 5 x cores, processes: cores + 1):
  - no-op submit+result rate: submit N no-ops, then result() each;
  - p50/p99 round trip of submit(noop).result(), one at a time;
  - map(noop, range(N), chunksize=1/16/256) items per second.
Prints JSON (or writes it with --json_out).
"""

import argparse
import concurrent.futures as cf
import json
import os
import platform
import time


# Map calls per figure, as execd-bench makes (bench/scenario_process.cc).
MAP_RUNS = 3


def noop(*args):
    return args


def echo_result(*args, **kwargs):
    """What execd's `echo` returns for the same call: a no-op whose result has
    the shape execd's Map moves and its client materializes."""
    return {"args": list(args), "kwargs": kwargs}


# The functions python_map_peer.py maps, by the name execd-bench sends.
MAP_FUNCTIONS = {"noop": noop, "echo_result": echo_result}


def burn(n):
    total = 0
    for i in range(n):
        total += i
    return total


def cpu_parallel_speedup(cores, n):
    """How much parallel CPU this machine gives right now: `cores` CPU-bound
    tasks at once vs one alone, in worker processes (ideal: cores)."""
    with cf.ProcessPoolExecutor(max_workers=cores) as executor:
        list(executor.map(burn, [1000] * cores))
        start = time.perf_counter()
        executor.submit(burn, n).result()
        one = time.perf_counter() - start
        start = time.perf_counter()
        list(executor.map(burn, [n] * cores))
        many = time.perf_counter() - start
    return {"tasks": cores, "one_task_seconds": one,
            "all_tasks_seconds": many, "speedup": cores * one / many}


def percentile(sorted_samples, fraction):
    if not sorted_samples:
        return 0.0
    rank = max(1, int(-(-fraction * len(sorted_samples) // 1)))
    return sorted_samples[min(len(sorted_samples), rank) - 1]


def submit_result_rate(executor, count):
    start = time.perf_counter()
    futures = [executor.submit(noop) for _ in range(count)]
    for future in futures:
        future.result()
    elapsed = time.perf_counter() - start
    return {"tasks": count, "seconds": elapsed, "tasks_per_second": count / elapsed}


def round_trip(executor, count):
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        executor.submit(noop).result()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return {"count": count, "p50_us": percentile(samples, 0.5),
            "p99_us": percentile(samples, 0.99),
            "p999_us": percentile(samples, 0.999),
            "mean_us": sum(samples) / len(samples)}


def map_rate(executor, items, chunksize, runs=MAP_RUNS):
    # The median of a few calls: one call of 20,000 items lasts tens of ms,
    # short enough for one hiccup of the machine to move it by half.
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in executor.map(noop, range(items), chunksize=chunksize):
            pass
        rates.append(items / (time.perf_counter() - start))
    rates.sort()
    median = rates[len(rates) // 2]
    return {"items": items, "runs": runs, "seconds": items / median,
            "items_per_second": median, "items_per_second_min": rates[0],
            "items_per_second_max": rates[-1]}


def measure(executor, counts):
    # Warm up: every worker started, code paths hot.
    for _ in range(3):
        submit_result_rate(executor, counts["warmup"])
    result = {
        "submit_result": submit_result_rate(executor, counts["rate"]),
        "round_trip": round_trip(executor, counts["round_trips"]),
    }
    for chunksize in (1, 16, 256):
        result["map_chunksize_%d" % chunksize] = map_rate(
            executor, counts["map_items"], chunksize)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--json_out", help="write JSON here instead of stdout")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    scale = 0.05 if args.quick else 1.0
    thread_counts = {"warmup": int(2000 * scale), "rate": int(100000 * scale),
                     "round_trips": int(10000 * scale),
                     "map_items": int(100000 * scale)}
    process_counts = {"warmup": int(1000 * scale), "rate": int(20000 * scale),
                      "round_trips": int(2000 * scale),
                      "map_items": int(20000 * scale)}
    report = {
        "python": {"version": platform.python_version(),
                   "implementation": platform.python_implementation()},
        "cores": cores,
    }
    threads = 5 * cores
    with cf.ThreadPoolExecutor(max_workers=threads) as executor:
        report["thread_pool"] = measure(executor, thread_counts)
        report["thread_pool"]["workers"] = threads
    processes = cores + 1
    with cf.ProcessPoolExecutor(max_workers=processes) as executor:
        report["process_pool"] = measure(executor, process_counts)
        report["process_pool"]["workers"] = processes
    report["cpu_parallel_speedup"] = cpu_parallel_speedup(
        cores, int(3000000 * scale))
    text = json.dumps(report, indent=2, sort_keys=True)
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
