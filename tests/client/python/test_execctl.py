"""bin/execctl against a real server: output and exit codes per command."""

import json
import os
import re
import subprocess
import time
import unittest

from execd_server import ExecdServer, binary

TASK_ID = re.compile(r"^[0-9a-f]{32}$")


class ExecctlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ExecdServer("--threads=5").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def execctl(self, *args, target=None, timeout=60):
        """Runs execctl; returns (exit code, stdout, stderr)."""
        command = [binary("execctl"),
                   f"--target={target or self.server.target}", *args]
        completed = subprocess.run(command, capture_output=True, text=True,
                                   timeout=timeout)
        return completed.returncode, completed.stdout, completed.stderr

    def submit(self, *args):
        code, out, err = self.execctl("submit", *args)
        self.assertEqual(code, 0, err)
        task_id = out.strip()
        self.assertRegex(task_id, TASK_ID)
        return task_id

    def test_submit_prints_the_task_id(self):
        self.submit("echo", "hello")

    def test_submit_wait_prints_the_outcome(self):
        code, out, err = self.execctl("submit", "sleep", "0.1", "--wait")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"state:\s+SUCCEEDED")
        self.assertRegex(out, r"result:\s+0.1")

    def test_arguments_are_json_when_they_parse(self):
        code, out, err = self.execctl(
            "--json", "submit", "echo", "2", "boom", "[1,2]", "--kw", "n=3",
            "--kw", "word=hi", "--input", "stdin text", "--label", "k=v",
            "--wait")
        self.assertEqual(code, 0, err)
        task = json.loads(out)
        self.assertEqual(task["state"], "TASK_STATE_SUCCEEDED")
        self.assertEqual(task["result"],
                         {"args": [2, "boom", [1, 2]],
                          "kwargs": {"n": 3, "word": "hi"}})
        self.assertEqual(task["labels"], {"k": "v"})

    def test_failed_task_exits_1(self):
        code, out, err = self.execctl("submit", "fail", "boom", "--wait")
        self.assertEqual(code, 1, err)
        self.assertRegex(out, r"state:\s+FAILED")
        self.assertIn("TASK_ERROR: boom", out)

    def test_rpc_errors_exit_3(self):
        code, _, err = self.execctl("submit", "no_such_function")
        self.assertEqual(code, 3)
        self.assertIn("NOT_FOUND", err)
        self.assertIn("no_such_function", err)
        code, _, err = self.execctl("result", "0" * 32)
        self.assertEqual(code, 3)
        self.assertIn("NOT_FOUND", err)

    def test_unreachable_server_exits_3(self):
        code, _, err = self.execctl("pools", target="127.0.0.1:1")
        self.assertEqual(code, 3)
        self.assertIn("UNAVAILABLE", err)

    def test_usage_errors_exit_2(self):
        for args in (["submit"], ["submit", "sleep", "--pool", "gpu"],
                     ["submit", "sleep", "--delay", "soon"], ["bogus"],
                     ["result"], ["list", "--state", "nope"],
                     ["submit", "echo", "--unknown-flag"]):
            code, _, err = self.execctl(*args)
            self.assertEqual(code, 2, args)
            self.assertIn("usage", err, args)

    def test_every_command_has_help(self):
        code, out, _ = self.execctl("--help")
        self.assertEqual(code, 0)
        commands = ["submit", "result", "cancel", "watch", "list",
                    "functions", "pools", "top"]
        for command in commands:
            self.assertIn(command, out)
            code, out_command, _ = self.execctl(command, "--help")
            self.assertEqual(code, 0, command)
            self.assertIn(f"usage: execctl {command}", out_command)

    def test_target_from_environment(self):
        env = dict(os.environ, EXECD_TARGET=self.server.target)
        completed = subprocess.run([binary("execctl"), "pools"], env=env,
                                   capture_output=True, text=True, timeout=60)
        self.assertEqual(completed.returncode, 0, completed.stderr)

    def test_result(self):
        task_id = self.submit("sleep", "0.2")
        code, out, err = self.execctl("result", task_id)
        self.assertEqual(code, 0, err)
        self.assertIn(task_id, out)
        self.assertRegex(out, r"state:\s+SUCCEEDED")
        code, out, err = self.execctl("--json", "result", task_id)
        self.assertEqual(json.loads(out)["task_id"], task_id)

    def test_result_timeout_exits_3(self):
        task_id = self.submit("sleep", "30")
        self.addCleanup(self.execctl, "cancel", task_id)
        code, _, err = self.execctl("result", task_id, "--timeout", "200ms")
        self.assertEqual(code, 3)
        self.assertIn("DEADLINE_EXCEEDED", err)

    def test_cancel(self):
        task_id = self.submit("sleep", "30")
        code, out, err = self.execctl("cancel", task_id)
        self.assertEqual(code, 0, err)
        self.assertIn(f"cancelled {task_id}", out)
        code, out, _ = self.execctl("result", task_id, "--timeout", "10s")
        self.assertEqual(code, 1)
        self.assertRegex(out, r"state:\s+CANCELLED")

    def test_cancel_of_a_finished_task_exits_1(self):
        code, out, _ = self.execctl("--json", "submit", "echo", "--wait")
        task_id = json.loads(out)["task_id"]
        code, out, _ = self.execctl("cancel", task_id)
        self.assertEqual(code, 1)
        self.assertIn("not cancelled", out)
        self.assertIn("SUCCEEDED", out)

    def test_watch_listed_tasks_ends_when_they_end(self):
        first = self.submit("sleep", "0.2")
        second = self.submit("echo")
        code, out, err = self.execctl("watch", first, second)
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 2, out)
        for task_id in (first, second):
            self.assertTrue(any(task_id in line and "FINISHED" in line
                                and "SUCCEEDED" in line for line in lines))
        failing = self.submit("fail", "boom")
        code, out, _ = self.execctl("watch", failing)
        self.assertEqual(code, 1)
        self.assertIn("TASK_ERROR", out)

    def test_watch_all_tasks_streams_events(self):
        watcher = subprocess.Popen(
            [binary("execctl"), f"--target={self.server.target}", "--json",
             "watch", "--started", "--count", "2"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # The watcher subscribes asynchronously: submit until it reports.
            deadline = time.monotonic() + 30
            while watcher.poll() is None and time.monotonic() < deadline:
                self.submit("echo")
                time.sleep(0.2)
            out, err = watcher.communicate(timeout=30)
        finally:
            if watcher.poll() is None:
                watcher.kill()
                watcher.wait()
        self.assertEqual(watcher.returncode, 0, err)
        events = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(events), 2)
        for event in events:
            self.assertIn(event["kind"], ("KIND_STARTED", "KIND_FINISHED"))
            self.assertEqual(event["task"]["function"], "echo")

    def test_list(self):
        task_id = self.submit("echo", "--label", "suite=list")
        self.execctl("result", task_id)
        code, out, err = self.execctl("list", "--state", "succeeded",
                                      "--function", "echo", "--label",
                                      "suite=list")
        self.assertEqual(code, 0, err)
        header, *rows = out.splitlines()
        self.assertIn("STATE", header)
        self.assertEqual(len(rows), 1, out)
        self.assertIn(task_id, rows[0])
        self.assertIn("SUCCEEDED", rows[0])
        code, out, _ = self.execctl("--json", "list", "--label", "suite=list")
        self.assertEqual([t["task_id"] for t in json.loads(out)["tasks"]],
                         [task_id])

    def test_functions(self):
        code, out, err = self.execctl("functions")
        self.assertEqual(code, 0, err)
        for name in ("echo", "sleep", "primes", "fail"):
            self.assertRegex(out, rf"(?m)^{name}\s")
        code, out, _ = self.execctl("--json", "functions")
        names = {f["name"] for f in json.loads(out)["functions"]}
        self.assertTrue({"echo", "sleep", "primes", "fail"} <= names)

    def test_pools(self):
        code, out, err = self.execctl("pools")
        self.assertEqual(code, 0, err)
        self.assertIn("QUEUED", out)
        self.assertRegex(out, r"(?m)^thread\s+5\s")
        code, out, _ = self.execctl("--json", "pools")
        pools = {p["pool"]: p for p in json.loads(out)["pools"]}
        self.assertEqual(pools["POOL_THREAD"]["workers"], 5)

    def test_top_refreshes_then_stops(self):
        code, out, err = self.execctl("top", "--iterations", "3",
                                      "--interval", "100ms")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.count("QUEUED"), 3)
        self.assertIn("running tasks", out)
        self.assertNotIn("\033[2J", out)  # no screen clearing into a pipe


if __name__ == "__main__":
    unittest.main()
