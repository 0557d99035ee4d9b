"""One shared Callback stream per executor that completes its futures."""

import threading
import time

import grpc

from execd._errors import RpcError
from execd._future import is_not_found

_INITIAL_BACKOFF = 0.1
_MAX_BACKOFF = 2.0
# Only while no stream is confirmed; a confirmed stream needs no polling.
_FALLBACK_POLL_SECONDS = 0.25


class CallbackHub:
    """Completes watched futures from ONE ``Callback(all_tasks)`` stream.

    No ending is missed: each watched task is checked once with GetTask
    after it is registered AND the stream is confirmed (the server sent its
    headers or a first event), so a task that ended before the subscription
    is seen by GetTask and one that ends after it by the stream. Until a
    stream is confirmed, unchecked tasks are polled as a fallback. A broken
    stream is reopened with backoff and every watched task is checked again.
    """

    def __init__(self, stub, pb2, get_task):
        self._stub = stub
        self._pb2 = pb2
        self._get_task = get_task
        self._cv = threading.Condition()
        self._watched = {}  # task_id -> [TaskFuture]
        self._to_check = set()
        self._call = None
        self._confirmed = False
        self._next_start = 0.0
        self._next_poll = 0.0
        self._backoff = _INITIAL_BACKOFF
        self._stopping = False
        self._thread = None
        self._readers = []

    def watch(self, future):
        with self._cv:
            if self._stopping:
                return
            self._watched.setdefault(future.task_id, []).append(future)
            self._to_check.add(future.task_id)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="execd-callback-hub", daemon=True)
                self._thread.start()
            self._cv.notify_all()

    def stop(self):
        with self._cv:
            self._stopping = True
            call = self._call
            self._cv.notify_all()
        if call is not None:
            call.cancel()
        if self._thread is not None and \
                self._thread is not threading.current_thread():
            self._thread.join()
        for reader in self._readers:
            if reader is not threading.current_thread():
                reader.join()

    # The manager thread: opens streams and runs the GetTask checks.
    def _run(self):
        while True:
            with self._cv:
                self._cv.wait_for(self._has_work, timeout=_FALLBACK_POLL_SECONDS)
                if self._stopping:
                    return
                if self._call is None and self._watched and \
                        time.monotonic() >= self._next_start:
                    self._open_stream()
                checks, keep_checking = self._take_checks()
            for task_id in checks:
                self._check(task_id, keep_checking)

    def _has_work(self):
        now = time.monotonic()
        if self._stopping:
            return True
        if self._call is None and self._watched and now >= self._next_start:
            return True
        if not self._to_check:
            return False
        return self._confirmed or now >= self._next_poll

    def _take_checks(self):
        if self._confirmed:
            checks, self._to_check = list(self._to_check), set()
            return checks, False
        if self._to_check and time.monotonic() >= self._next_poll:
            self._next_poll = time.monotonic() + _FALLBACK_POLL_SECONDS
            return list(self._to_check), True
        return [], False

    def _open_stream(self):
        request = self._pb2.CallbackRequest(all_tasks=True)
        call = self._stub.Callback(request)
        self._call = call
        self._confirmed = False
        self._next_poll = time.monotonic() + _FALLBACK_POLL_SECONDS
        reader = threading.Thread(target=self._read, args=(call,),
                                  name="execd-callback-stream", daemon=True)
        self._readers = [r for r in self._readers if r.is_alive()]
        self._readers.append(reader)
        reader.start()

    def _confirm(self, call):
        with self._cv:
            if call is self._call and not self._confirmed:
                self._confirmed = True
                self._backoff = _INITIAL_BACKOFF
                self._cv.notify_all()

    def _read(self, call):
        finished = self._pb2.TaskEvent.KIND_FINISHED
        try:
            call.initial_metadata()  # returns once the server answered
            self._confirm(call)
            for event in call:
                self._confirm(call)
                if event.kind == finished:
                    self._resolve(event.task.task_id, event.task)
        except grpc.RpcError:
            pass  # reopened below unless stopping
        with self._cv:
            if call is not self._call:
                return
            self._call = None
            self._confirmed = False
            # Endings during the gap show only in GetTask: check all again.
            self._to_check.update(self._watched)
            self._next_start = time.monotonic() + self._backoff
            self._backoff = min(_MAX_BACKOFF, self._backoff * 2)
            self._cv.notify_all()

    def _check(self, task_id, keep_checking):
        try:
            task = self._get_task(task_id)
        except RpcError as error:
            if is_not_found(error):
                self._fail(task_id, error)  # it will never end for us
                return
            task = None
        if task is not None and self._resolve(task_id, task):
            return
        with self._cv:
            if (keep_checking or task is None) and task_id in self._watched:
                self._to_check.add(task_id)
                if task is None:  # the server did not answer: not at once
                    self._next_poll = time.monotonic() + _FALLBACK_POLL_SECONDS

    def _resolve(self, task_id, task):
        """Completes the futures of a terminal task; False if not terminal."""
        futures = self._take(task_id, task)
        if futures is None:
            return False
        for future in futures:
            future._resolve(task)
        return True

    def _take(self, task_id, task):
        name = self._pb2.TaskState.Name(task.state)
        if name not in ("TASK_STATE_SUCCEEDED", "TASK_STATE_FAILED",
                        "TASK_STATE_CANCELLED"):
            return None
        with self._cv:
            self._to_check.discard(task_id)
            return self._watched.pop(task_id, [])

    def _fail(self, task_id, error):
        with self._cv:
            self._to_check.discard(task_id)
            futures = self._watched.pop(task_id, [])
        for future in futures:
            future._fail(error)
