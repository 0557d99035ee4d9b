"""Per-task options and the retry policy."""

import dataclasses
from typing import Mapping, Optional, Union


@dataclasses.dataclass(frozen=True)
class TaskOptions:
    """How tasks are submitted; see ``RemoteExecutor.options``.

    pool: "thread" or "process" (None: the function's default pool).
    priority: lower runs first.
    timeout: run-time limit in seconds (None: the server's default).
    delay: seconds to wait before the task may start.
    labels: string labels, e.g. for ``execctl list --label``.
    max_retries: re-runs after FAILED.
    input: raw bytes (stdin of ``exec``; ``echo`` copies it to output).
    request_id: idempotency key; a random one is used when None.
    """

    pool: Optional[str] = None
    priority: int = 0
    timeout: Optional[float] = None
    delay: Optional[float] = None
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    max_retries: int = 0
    input: Union[bytes, str] = b""
    request_id: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Retries of calls failing with UNAVAILABLE or RESOURCE_EXHAUSTED.

    The wait before the next attempt is the larger of the server's
    ``retry-delay-ms`` hint and an exponential backoff.
    """

    max_attempts: int = 6
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    multiplier: float = 2.0
