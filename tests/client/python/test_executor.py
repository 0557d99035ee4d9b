"""execd.RemoteExecutor against a real server, as concurrent.futures users
rely on it."""

import concurrent.futures
import os
import subprocess
import sys
import threading
import time
import unittest

import grpc

import execd
from execd_server import ExecdServer

SOURCE_DIR = os.environ.get("EXECD_SOURCE_DIR", "")


class RemoteExecutorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ExecdServer("--threads=5", "--processes=2").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.executor = execd.RemoteExecutor(self.server.target)
        self.addCleanup(self.executor.shutdown, wait=False,
                        cancel_futures=True)

    def long_sleep(self):
        future = self.executor.submit("sleep", 60)
        self.addCleanup(future.cancel)
        return future

    def test_is_a_concurrent_futures_executor(self):
        self.assertIsInstance(self.executor, concurrent.futures.Executor)
        future = self.executor.submit("echo", 1, "two", flag=True)
        self.assertIsInstance(future, concurrent.futures.Future)
        self.assertEqual(future.result(timeout=30),
                         {"args": [1, "two"], "kwargs": {"flag": True}})
        self.assertTrue(future.done())
        self.assertIsNone(future.exception())
        self.assertEqual(len(future.task_id), 32)

    def test_values_round_trip(self):
        value = {"list": [1, 2.5, None, "x"], "nested": {"ok": False}}
        self.assertEqual(
            self.executor.submit("echo", value).result(timeout=30),
            {"args": [value], "kwargs": {}})
        self.assertEqual(self.executor.submit("sleep", 0.1).result(30), 0.1)

    def test_failed_task_raises_task_failed(self):
        future = self.executor.submit("fail", "boom")
        with self.assertRaises(execd.TaskFailed) as raised:
            future.result(timeout=30)
        self.assertEqual(raised.exception.reason, "TASK_ERROR")
        self.assertIn("boom", raised.exception.message)
        self.assertIsInstance(raised.exception.code, int)
        self.assertIs(future.exception(), raised.exception)

    def test_unknown_function_raises_rpc_error(self):
        with self.assertRaises(execd.RpcError) as raised:
            self.executor.submit("no_such_function")
        self.assertEqual(raised.exception.code, grpc.StatusCode.NOT_FOUND)
        self.assertIn("no_such_function", raised.exception.message)

    def test_result_timeout(self):
        future = self.long_sleep()
        with self.assertRaises(concurrent.futures.TimeoutError):
            future.result(timeout=0.2)
        self.assertFalse(future.done())

    def test_as_completed_yields_in_completion_order(self):
        slow = self.executor.submit("sleep", 1.6)
        fast = self.executor.submit("sleep", 0.1)
        middle = self.executor.submit("sleep", 0.8)
        order = list(concurrent.futures.as_completed([slow, fast, middle],
                                                     timeout=30))
        self.assertEqual(order, [fast, middle, slow])

    def test_as_completed_timeout(self):
        with self.assertRaises(concurrent.futures.TimeoutError):
            for _ in concurrent.futures.as_completed([self.long_sleep()],
                                                     timeout=0.3):
                pass

    def test_wait_first_completed(self):
        slow = self.long_sleep()
        fast = self.executor.submit("sleep", 0.1)
        done, not_done = concurrent.futures.wait(
            [slow, fast], timeout=30,
            return_when=concurrent.futures.FIRST_COMPLETED)
        self.assertEqual(done, {fast})
        self.assertEqual(not_done, {slow})

    def test_wait_first_exception(self):
        slow = self.long_sleep()
        failing = self.executor.submit("fail", "boom")
        done, not_done = concurrent.futures.wait(
            [slow, failing], timeout=30,
            return_when=concurrent.futures.FIRST_EXCEPTION)
        self.assertEqual(done, {failing})
        self.assertEqual(not_done, {slow})

    def test_wait_all_completed(self):
        futures = [self.executor.submit("sleep", s) for s in (0.1, 0.3, 0.2)]
        done, not_done = concurrent.futures.wait(futures, timeout=30)
        self.assertEqual(done, set(futures))
        self.assertEqual(not_done, set())

    def test_cancel_pending_task(self):
        future = self.executor.options(delay=60).submit("echo")
        self.assertFalse(future.running())
        self.assertTrue(future.cancel())
        self.assertTrue(future.cancelled())
        self.assertTrue(future.done())
        with self.assertRaises(concurrent.futures.CancelledError):
            future.result(timeout=5)
        # wait() and as_completed() see cancelled futures as finished.
        done, _ = concurrent.futures.wait([future], timeout=5)
        self.assertEqual(done, {future})
        self.assertEqual(list(concurrent.futures.as_completed([future], 5)),
                         [future])

    def test_cancel_running_task(self):
        future = self.executor.submit("sleep", 60)
        deadline = time.monotonic() + 10
        while not future.running() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertTrue(future.running())
        self.assertTrue(future.cancel())
        with self.assertRaises(concurrent.futures.CancelledError):
            future.result(timeout=10)
        self.assertTrue(future.cancelled())

    def test_cannot_cancel_finished_task(self):
        future = self.executor.submit("echo")
        future.result(timeout=30)
        self.assertFalse(future.cancel())
        self.assertFalse(future.cancelled())

    def test_done_callbacks_fire_once(self):
        calls = []
        lock = threading.Lock()

        def record(future):
            with lock:
                calls.append(future)

        running = self.executor.submit("sleep", 0.5)
        running.add_done_callback(record)
        finished = self.executor.submit("echo")
        finished.result(timeout=30)
        finished.add_done_callback(record)  # runs at once, in this thread
        with lock:
            self.assertIn(finished, calls)
        cancelled = self.executor.options(delay=60).submit("echo")
        cancelled.add_done_callback(record)
        cancelled.cancel()
        running.result(timeout=30)
        time.sleep(0.3)  # room for a wrong second call
        with lock:
            self.assertEqual(sorted(f.task_id for f in calls),
                             sorted(f.task_id for f in
                                    (running, finished, cancelled)))

    def test_future_for_a_task_cancelled_by_another_client(self):
        future = self.executor.options(delay=60).submit("echo")
        with execd.RemoteExecutor(self.server.target) as other:
            other.future(future.task_id).cancel()
        with self.assertRaises(concurrent.futures.CancelledError):
            future.result(timeout=10)

    def test_submit_many_returns_futures_in_order(self):
        futures = self.executor.submit_many(
            "echo", [(i, "x") for i in range(2500)], flag=True)
        self.assertEqual(len(futures), 2500)  # three SubmitBatch messages
        self.assertEqual(len({f.task_id for f in futures}), 2500)
        for i, future in enumerate(futures):
            self.assertEqual(future.result(timeout=30),
                             {"args": [i, "x"], "kwargs": {"flag": True}})
        self.assertEqual(self.executor.submit_many("echo", []), [])

    def test_submit_many_refused_request_fails_only_its_future(self):
        futures = self.executor.submit_many("sleep", [(0.1,), (-1,), (0.2,)])
        self.assertEqual(futures[0].result(timeout=30), 0.1)
        with self.assertRaises(execd.RpcError) as raised:
            futures[1].result(timeout=30)
        self.assertEqual(raised.exception.code,
                         grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(futures[2].result(timeout=30), 0.2)
        with self.assertRaises(execd.RpcError):  # unknown function
            self.executor.submit_many("primez", [(1,)])[0].result(timeout=30)

    def test_submit_many_with_options_and_a_request_id_runs_once(self):
        batched = self.executor.options(pool="process",
                                        request_id="py-submit-many")
        first = batched.submit_many("primes", [(100,), (1000,)])
        again = batched.submit_many("primes", [(100,), (1000,)])
        self.assertEqual([f.task_id for f in first],
                         [f.task_id for f in again])
        self.assertEqual([f.result(timeout=30) for f in again], [25, 168])

    def test_map_keeps_input_order(self):
        results = self.executor.map("sleep", [0.5, 0.1, 0.3], timeout=30)
        self.assertEqual(list(results), [0.5, 0.1, 0.3])
        self.assertEqual(
            list(self.executor.map("echo", [1, 2], ["a", "b"], chunksize=2)),
            [{"args": [1, "a"], "kwargs": {}}, {"args": [2, "b"], "kwargs": {}}])

    def test_map_raises_at_the_failed_item(self):
        results = self.executor.map("fail", ["first", "second"])
        with self.assertRaises(execd.TaskFailed) as raised:
            next(results)
        self.assertIn("first", raised.exception.message)

    def test_map_in_chunks_runs_each_chunk_as_one_unit(self):
        # chunksize > 1: outcomes_only, items are not tasks.
        self.assertEqual(
            list(self.executor.map("primes", range(0, 1000, 10), chunksize=16)),
            [self._count_primes(n) for n in range(0, 1000, 10)])
        results = self.executor.map("fail", ["first", "second"], chunksize=2)
        with self.assertRaises(execd.TaskFailed) as raised:
            next(results)
        self.assertEqual(raised.exception.message, "first")

    def test_long_map_runs_as_several_calls_in_order(self):
        # Over the server's 4 MiB message limit in one call: 24 x 256 kB.
        big = ["%02d" % i + "a" * (256 << 10) for i in range(24)]
        self.assertEqual(
            [r["args"][0][:2] for r in self.executor.map("echo", big)],
            ["%02d" % i for i in range(24)])
        # 10,000 items: three calls of 4,096 (whole chunks of 256).
        self.assertEqual(
            list(self.executor.map("primes", [10] * 10000, chunksize=256)),
            [4] * 10000)

    def test_bad_item_refuses_its_call_and_says_which_items(self):
        items = [0] * 5000
        items[4500] = "x"
        results = self.executor.map("primes", items, chunksize=256)
        for _ in range(4096):  # the first call's items ran
            self.assertEqual(next(results), 0)
        with self.assertRaises(execd.RpcError) as raised:
            next(results)
        self.assertEqual(raised.exception.code,
                         grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("item 404", str(raised.exception))
        self.assertIn("call of items 4096-4999", str(raised.exception))

    @staticmethod
    def _count_primes(n):
        return sum(1 for k in range(2, n) if all(k % d for d in range(2, k)))

    def test_map_timeout(self):
        results = self.executor.map("sleep", [0.05, 60], timeout=1)
        self.assertEqual(next(results), 0.05)
        with self.assertRaises(concurrent.futures.TimeoutError):
            next(results)

    def test_options(self):
        options = self.executor.options(pool="thread", priority=2,
                                        labels={"team": "py"}, input="hi",
                                        request_id="python-options-test")
        future = options.submit("echo")
        future.result(timeout=30)
        task = future.task
        self.assertEqual(task.pool, execd.v1.execd_pb2.POOL_THREAD)
        self.assertEqual(task.priority, 2)
        self.assertEqual(dict(task.labels), {"team": "py"})
        self.assertEqual(task.output, b"hi")
        self.assertEqual(options.submit("echo").task_id, future.task_id)
        with self.assertRaises(ValueError):
            self.executor.options(pool="gpu").submit("echo")

    def test_process_pool(self):
        future = self.executor.options(pool="process").submit("primes", 1000)
        self.assertEqual(future.result(timeout=60), 168)
        self.assertEqual(future.task.pool, execd.v1.execd_pb2.POOL_PROCESS)


class ShutdownTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ExecdServer("--threads=5").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_context_manager_waits_for_tasks(self):
        with execd.RemoteExecutor(self.server.target) as executor:
            futures = [executor.submit("sleep", 0.2) for _ in range(3)]
        self.assertTrue(all(f.done() for f in futures))
        with self.assertRaises(RuntimeError):
            executor.submit("echo")

    def test_shutdown_cancel_futures_cancels_pending_tasks(self):
        executor = execd.RemoteExecutor(self.server.target)
        pending = executor.options(delay=60).submit("echo")
        executor.shutdown(wait=True, cancel_futures=True)
        self.assertTrue(pending.cancelled())

    def test_shutdown_without_wait_still_completes_futures(self):
        executor = execd.RemoteExecutor(self.server.target)
        future = executor.submit("sleep", 0.3)
        executor.shutdown(wait=False)
        self.assertEqual(future.result(timeout=30), 0.3)


class RetryTest(unittest.TestCase):
    def test_submit_waits_out_a_full_queue(self):
        with ExecdServer("--threads=1", "--queue_capacity=1") as server:
            retry = execd.RetryPolicy(max_attempts=30, max_backoff=0.5)
            with execd.RemoteExecutor(server.target, retry=retry) as executor:
                futures = [executor.submit("sleep", 0.3) for _ in range(4)]
                self.assertEqual([f.result(timeout=60) for f in futures],
                                 [0.3] * 4)

    def test_no_retries_means_the_full_queue_shows(self):
        with ExecdServer("--threads=1", "--queue_capacity=1") as server:
            retry = execd.RetryPolicy(max_attempts=1)
            executor = execd.RemoteExecutor(server.target, retry=retry)
            try:
                with self.assertRaises(execd.RpcError) as raised:
                    for _ in range(10):
                        executor.submit("sleep", 1)
                self.assertEqual(raised.exception.code,
                                 grpc.StatusCode.RESOURCE_EXHAUSTED)
            finally:
                executor.shutdown(wait=False, cancel_futures=True)


class SeedExampleTest(unittest.TestCase):
    def test_seed_example_runs(self):
        with ExecdServer("--threads=5") as server:
            env = dict(os.environ, EXECD_TARGET=server.target,
                       SEED_SLEEP_SECONDS="0.2")
            completed = subprocess.run(
                [sys.executable,
                 os.path.join(SOURCE_DIR, "client/python/examples/seed.py")],
                env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertIn("10 tasks done, 0 not done", completed.stdout)
        self.assertEqual(completed.stdout.count("slept 0.2s"), 10)


if __name__ == "__main__":
    unittest.main()
