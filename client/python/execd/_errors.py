"""Exceptions raised by the execd client."""


class ExecdError(Exception):
    """Base class of everything the execd client raises itself."""


class RpcError(ExecdError):
    """A call to the server failed (e.g. unknown function, queue full).

    ``code`` is the grpc.StatusCode, ``message`` the server's explanation.
    """

    def __init__(self, code, message):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


class TaskFailed(ExecdError):
    """The task ran and FAILED; raised by ``future.result()``.

    ``reason`` is stable UPPER_SNAKE (TASK_ERROR, TIMEOUT, WORKER_LOST,
    INVALID_ARGUMENT, SHUTDOWN), ``message`` is for people, ``code`` the
    google.rpc.Code number and ``task`` the whole execd.v1.Task.
    """

    def __init__(self, reason, message, code=2, task=None):
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason
        self.message = message
        self.code = code
        self.task = task

    @classmethod
    def from_task(cls, task):
        error = task.error
        return cls(error.reason or "TASK_ERROR", error.message, error.code,
                   task)
