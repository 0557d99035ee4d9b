"""Python client of execd: a concurrent.futures.Executor whose workers run in
an execd server.

    import concurrent.futures
    import execd

    with execd.RemoteExecutor("localhost:50051") as executor:
        futures = [executor.submit("sleep", 1) for _ in range(10)]
        concurrent.futures.wait(futures)

The generated gRPC stubs (package ``execd.v1``) live in the build folder;
both folders must be on ``sys.path``.
"""

import pkgutil

# The generated stubs are the ``execd.v1`` subpackage in another folder:
# let this package span every ``execd`` folder on sys.path.
__path__ = pkgutil.extend_path(__path__, __name__)

from execd._errors import ExecdError, RpcError, TaskFailed  # noqa: E402
from execd._executor import RemoteExecutor  # noqa: E402
from execd._future import TaskFuture  # noqa: E402
from execd._options import RetryPolicy, TaskOptions  # noqa: E402

__all__ = [
    "ExecdError",
    "RemoteExecutor",
    "RetryPolicy",
    "RpcError",
    "TaskFailed",
    "TaskFuture",
    "TaskOptions",
]
