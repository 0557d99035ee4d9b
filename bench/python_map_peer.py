"""Python's ProcessPoolExecutor.map, one call per request on stdin.

execd-bench starts this once and alternates its own Map calls with this
one's, so that both sides of the Map ratio are measured at the same moments
of a noisy machine. Protocol, one line each way: "ITEMS CHUNKSIZE" in,
items per second out; end of input ends it. Standard library only.
"""

import concurrent.futures as cf
import os
import sys
import time

from python_baseline import noop


def main():
    with cf.ProcessPoolExecutor(max_workers=(os.cpu_count() or 1) + 1) as executor:
        list(executor.map(noop, range(1000)))  # start every worker
        print("ready", flush=True)
        for line in sys.stdin:
            items, chunksize = (int(word) for word in line.split())
            start = time.perf_counter()
            for _ in executor.map(noop, range(items), chunksize=chunksize):
                pass
            print(items / (time.perf_counter() - start), flush=True)


if __name__ == "__main__":
    main()
