"""Seed example: a task queue with 5 workers running 10 `sleep` tasks, then
waiting for all of them.

The 5 workers are the execd server's thread pool, sized by a server flag:

    build/bin/execd --threads=5 &
    PYTHONPATH=build/python:client/python /usr/bin/python3 \
        client/python/examples/seed.py

Ten 1-second sleeps on five workers take about two seconds.
"""

import concurrent.futures
import os
import time

import execd

TARGET = os.environ.get("EXECD_TARGET", "localhost:50051")
SECONDS = float(os.environ.get("SEED_SLEEP_SECONDS", "1"))


def main():
    with execd.RemoteExecutor(TARGET) as executor:
        started = time.monotonic()
        futures = [executor.submit("sleep", SECONDS) for _ in range(10)]
        done, not_done = concurrent.futures.wait(futures)
        elapsed = time.monotonic() - started
        print(f"{len(done)} tasks done, {len(not_done)} not done, "
              f"in {elapsed:.1f}s")
        for future in futures:
            print(f"  {future.task_id}: slept {future.result()}s "
                  f"on {future.task.worker}")


if __name__ == "__main__":
    main()
