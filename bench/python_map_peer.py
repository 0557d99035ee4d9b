"""Python's ProcessPoolExecutor.map, one call per request on stdin.

execd-bench starts this once and alternates its own Map calls with this
one's, so that both sides of the Map ratio are measured at the same moments
of a noisy machine. Protocol, one line each way: "ITEMS CHUNKSIZE [FUNCTION]"
in (FUNCTION: noop, the default, or echo_result, see python_baseline.py),
items per second out; end of input ends it. Standard library only.
"""

import concurrent.futures as cf
import os
import sys
import time

from python_baseline import MAP_FUNCTIONS, noop


def main():
    with cf.ProcessPoolExecutor(max_workers=(os.cpu_count() or 1) + 1) as executor:
        list(executor.map(noop, range(1000)))  # start every worker
        print("ready", flush=True)
        for line in sys.stdin:
            words = line.split()
            items, chunksize = int(words[0]), int(words[1])
            function = MAP_FUNCTIONS[words[2] if len(words) > 2 else "noop"]
            start = time.perf_counter()
            for _ in executor.map(function, range(items), chunksize=chunksize):
                pass
            print(items / (time.perf_counter() - start), flush=True)


if __name__ == "__main__":
    main()
