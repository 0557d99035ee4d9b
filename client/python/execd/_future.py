"""TaskFuture: a concurrent.futures.Future for one execd task."""

import concurrent.futures
import threading

import grpc

from execd._errors import RpcError, TaskFailed
from execd._values import from_value

_TERMINAL = ("TASK_STATE_SUCCEEDED", "TASK_STATE_FAILED",
             "TASK_STATE_CANCELLED")
# How long cancel() waits for a running task to acknowledge cancellation.
_CANCEL_SETTLE_SECONDS = 2.0


class TaskFuture(concurrent.futures.Future):
    """A real concurrent.futures.Future, completed by the executor's shared
    callback stream; works with ``concurrent.futures.wait`` and
    ``as_completed``. ``task_id`` names the task on the server.

    ``cancel()`` is stronger than the standard one: a running task is
    cancelled too. ``running()`` asks the server.
    """

    def __init__(self, executor, task_id):
        super().__init__()
        self.task_id = task_id
        self._executor = executor
        self._resolve_lock = threading.Lock()
        self._task = None

    def __repr__(self):
        return f"<TaskFuture {self.task_id} {self._state}>"

    @property
    def task(self):
        """The final execd.v1.Task once done, else None."""
        return self._task

    def running(self):
        if self.done():
            return False
        task = self._executor._get_task(self.task_id)
        self._resolve(task)
        return self._executor._state_name(task.state) == "TASK_STATE_RUNNING"

    def cancel(self):
        if self.done():
            return self.cancelled()
        response = self._executor._cancel_task(self.task_id)
        self._resolve(response.task)
        if response.cancelled and not self.done():
            # A running thread-pool task stops at its next check; wait a
            # moment so that cancelled() agrees with what we return.
            self._resolve(self._executor._await_task(
                self.task_id, _CANCEL_SETTLE_SECONDS))
        return self.cancelled() or (response.cancelled and not self.done())

    def _resolve(self, task):
        """Completes the future if ``task`` is terminal; once only."""
        state = self._executor._state_name(task.state)
        if state not in _TERMINAL:
            return
        with self._resolve_lock:
            if self.done():
                return
            self._task = task
            if state == "TASK_STATE_SUCCEEDED":
                self.set_result(from_value(task.result))
            elif state == "TASK_STATE_FAILED":
                self.set_exception(TaskFailed.from_task(task))
            else:
                concurrent.futures.Future.cancel(self)
                # Tells wait()/as_completed() waiters, as executors do.
                self.set_running_or_notify_cancel()

    def _fail(self, error):
        """Completes the future with an RPC error (e.g. task forgotten)."""
        with self._resolve_lock:
            if not self.done():
                self.set_exception(error)


def is_not_found(error):
    return isinstance(error, RpcError) and error.code == grpc.StatusCode.NOT_FOUND
