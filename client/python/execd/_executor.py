"""RemoteExecutor: concurrent.futures.Executor backed by an execd server."""

import atexit
import collections
import concurrent.futures
import dataclasses
import threading
import time
import uuid
import weakref

import grpc
from google.protobuf import duration_pb2

from execd._channel import make_channel
from execd._errors import RpcError, TaskFailed
from execd._future import TaskFuture
from execd._hub import CallbackHub
from execd._options import RetryPolicy, TaskOptions
from execd._retry import call_with_retry
from execd._values import from_value, to_list_value, to_struct, to_value
from execd.v1 import execd_pb2, execd_pb2_grpc

# Reconnect fast after a server restart (gRPC's default waits up to 120 s).
# gRPC takes the "min" as the least time one connection attempt may last,
# and waits it out before the next: at 100 ms a busy machine's handshake
# could time out; 1 s still reconnects within about a second of a restart.
_CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 1000),
    ("grpc.max_reconnect_backoff_ms", 2000),
]
# Deadline of each attempt of a call that never waits.
_CALL_TIMEOUT_SECONDS = 30.0
# Requests per SubmitBatch of submit_many: far below the server's limit
# (half of --max_stream_buffer) and, for small arguments, its 4 MiB message.
_REQUESTS_PER_BATCH = 1000
# A long map is several MapBatchStream calls of this many items (rounded up
# to whole chunks; fewer where a call's items would pass 1 MiB), a few open
# at once: the server starts on the first items while later ones are still
# being sent, and a map of any length fits the server's message limit.
_MAP_ITEMS_PER_CALL = 4096
_MAP_CALLS_IN_FLIGHT = 4
_MAP_CALL_MAX_ITEM_BYTES = 1 << 20
# Closed at exit: gRPC threads still streaming while the interpreter
# finalizes can crash it.
_OPEN_EXECUTORS = weakref.WeakSet()
_POOLS = {None: execd_pb2.POOL_UNSPECIFIED, "thread": execd_pb2.POOL_THREAD,
          "process": execd_pb2.POOL_PROCESS}


def _cut_map(template, items, chunksize):
    """(first index, MapRequest) per call; see _MAP_ITEMS_PER_CALL."""
    chunk = max(chunksize, 1)
    per_call = -(-_MAP_ITEMS_PER_CALL // chunk) * chunk
    calls = []
    call_bytes = 0
    for index, item in enumerate(items):
        item_bytes = item.ByteSize()
        if (not calls or len(calls[-1][1].items) >= per_call
                or call_bytes + item_bytes > _MAP_CALL_MAX_ITEM_BYTES):
            request = execd_pb2.MapRequest()
            request.CopyFrom(template)
            calls.append((index, request))
            call_bytes = 0
        calls[-1][1].items.append(item)
        call_bytes += item_bytes
    return calls or [(0, template)]


class _MapCalls:
    """The calls of one map: those still to start, and the open ones."""

    def __init__(self, stub, requests, timeout):
        self._stub = stub
        self._waiting = collections.deque(requests)
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self.cut = len(requests) > 1
        self.open = collections.deque()  # (first index, items, call)

    def open_more(self):
        while self._waiting and len(self.open) < _MAP_CALLS_IN_FLIGHT:
            first, request = self._waiting.popleft()
            remaining = None
            if self._deadline is not None:
                remaining = max(0.0, self._deadline - time.monotonic())
            # MapBatchStream: Map with many results per message.
            self.open.append((first, len(request.items),
                              self._stub.MapBatchStream(request,
                                                        timeout=remaining)))


def _status_code(number):
    """The grpc.StatusCode of a google.rpc.Code number."""
    for status in grpc.StatusCode:
        if status.value[0] == number:
            return status
    return grpc.StatusCode.UNKNOWN


def _duration(seconds):
    duration = duration_pb2.Duration()
    duration.FromNanoseconds(int(round(seconds * 1e9)))
    return duration


class RemoteExecutor(concurrent.futures.Executor):
    """Runs registered functions in an execd server, by name:

        with execd.RemoteExecutor("localhost:50051") as executor:
            future = executor.submit("sleep", 1)
            print(future.result())            # 1
            fast = executor.options(pool="process", priority=-1)
            print(list(fast.map("primes", [10, 100])))   # [4, 25]

    Arguments and results are JSON-like values. The server's pools are its
    workers (``execd --threads=5`` gives five threads). Calls failing with
    UNAVAILABLE or RESOURCE_EXHAUSTED are retried per ``retry``; every task
    carries a request id, so a retried submit never runs twice.

    Security (see docs/security-usage.md): ``token`` is sent as
    ``authorization: Bearer <token>`` on every call; ``tls=True`` or
    ``root_certificates`` (PEM CA of the server's certificate) connect with
    TLS; ``private_key`` and ``certificate_chain`` (PEM) add a client
    certificate for mutual TLS; ``server_name`` overrides the name checked
    in the server's certificate. Ignored when ``channel`` is given.
    """

    def __init__(self, target="localhost:50051", *, options=None,
                 retry=RetryPolicy(), channel=None, token=None, tls=False,
                 root_certificates=None, private_key=None,
                 certificate_chain=None, server_name=None):
        self._owns_channel = channel is None
        self._channel = channel or make_channel(
            target, _CHANNEL_OPTIONS, token=token, tls=tls,
            root_certificates=root_certificates, private_key=private_key,
            certificate_chain=certificate_chain, server_name=server_name)
        self._stub = execd_pb2_grpc.ExecutorStub(self._channel)
        self._options = options or TaskOptions()
        self._retry = retry
        self._hub = CallbackHub(self._stub, execd_pb2, self._get_task)
        self._lock = threading.Lock()
        self._shutdown = False
        self._closed = False
        self._futures = set()
        _OPEN_EXECUTORS.add(self)

    # --- concurrent.futures.Executor -----------------------------------

    def submit(self, fn, /, *args, **kwargs):
        """Submits the registered function ``fn`` (a name) with arguments."""
        return self._submit(self._options, fn, args, kwargs)

    def submit_many(self, fn, arguments, /, **kwargs):
        """Submits ``fn`` once per item of ``arguments`` (each item a tuple of
        positional arguments; ``kwargs`` go to every call) through one
        SubmitBatchStream call, and returns the futures in input order.

        Much faster than ``submit`` in a loop for many small tasks: requests
        travel in batches, one round trip in all, and the futures complete
        from the same stream's FINISHED events. A request the server refuses
        (e.g. bad arguments) gives a future whose ``result()`` raises that
        RpcError; the others run.
        """
        return self._submit_many(self._options, fn, arguments, kwargs)

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        """Like Executor.map, in one Map call; results in input order.

        Raises the first failed item's TaskFailed when iteration reaches it,
        and TimeoutError if not all results arrived within ``timeout``.
        As ProcessPoolExecutor does, ``chunksize`` > 1 sends the items in
        chunks that each run as one unit (MapRequest.outcomes_only): items are
        not tasks, and a worker lost in a chunk fails that chunk's items.
        """
        return self._map(self._options, fn, iterables, timeout, chunksize)

    def shutdown(self, wait=True, *, cancel_futures=False):
        with self._lock:
            if self._shutdown:
                return
            self._shutdown = True
            pending = [f for f in self._futures if not f.done()]
        if cancel_futures:
            for future in pending:
                self._cancel_if_pending(future)
        if wait:
            concurrent.futures.wait(pending)
            self._close()
        else:
            # Futures still complete; close once they did.
            threading.Thread(target=self._close_after, args=(pending,),
                             daemon=True).start()

    # --- extras ---------------------------------------------------------

    def options(self, **changes):
        """A view of this executor submitting with other TaskOptions:

            executor.options(pool="process", timeout=5).submit("primes", 10**7)
        """
        return _ExecutorWithOptions(
            self, dataclasses.replace(self._options, **changes))

    def future(self, task_id):
        """A future for a task submitted elsewhere (e.g. by execctl)."""
        future = TaskFuture(self, task_id)
        self._track(future)
        return future

    # --- internals ------------------------------------------------------

    def _submit(self, options, fn, args, kwargs):
        self._check_open()
        request = self._request(options, fn, args, kwargs)
        response = self._call(self._stub.Submit, request)
        future = TaskFuture(self, response.task_id)
        self._track(future)
        return future

    def _submit_many(self, options, fn, arguments, kwargs):
        self._check_open()
        requests = [self._request(options, fn, tuple(args), kwargs)
                    for args in arguments]
        if options.request_id:  # one key per call, derived from the given one
            for index, request in enumerate(requests):
                request.request_id = "%s-%d" % (options.request_id, index)
        if not requests:
            return []
        batches = [execd_pb2.SubmitBatch(
            requests=requests[i:i + _REQUESTS_PER_BATCH])
            for i in range(0, len(requests), _REQUESTS_PER_BATCH)]
        # Every request carries a request id, so a retried call runs nothing
        # twice: the server answers a repeat with the same task. The deadline
        # grows with the batches (as the C++ client's SubmitMany), so a large
        # call is not cut short; it also ends the FINISHED events this stream
        # brings, after which the callback hub takes over.
        verdicts, finished, call = call_with_retry(
            self._verdicts, batches, self._retry,
            timeout=_CALL_TIMEOUT_SECONDS * len(batches))
        futures = []
        by_task = {}
        for verdict in verdicts:
            if verdict.kind == execd_pb2.TaskEvent.KIND_ACCEPTED:
                future = TaskFuture(self, verdict.task.task_id)
                by_task.setdefault(future.task_id, []).append(future)
                self._track(future, watch=False)
            else:
                future = concurrent.futures.Future()
                future.set_exception(
                    RpcError(_status_code(verdict.code), verdict.message))
            futures.append(future)
        for task in finished:
            for future in by_task.pop(task.task_id, []):
                future._resolve(task)
        if by_task:
            threading.Thread(target=self._finish_from_stream,
                             args=(call, by_task), daemon=True,
                             name="execd-submit-many").start()
        else:
            call.cancel()
        return futures

    def _verdicts(self, batches, timeout=None):
        """Sends the batches; returns the ACCEPTED/REJECTED events in
        request order, the tasks FINISHED meanwhile, and the open call."""
        expected = sum(len(batch.requests) for batch in batches)
        call = self._stub.SubmitBatchStream(iter(batches), timeout=timeout)
        verdicts = []
        finished = []
        try:
            for reply in call:
                for event in reply.events:
                    if event.kind == execd_pb2.TaskEvent.KIND_FINISHED:
                        finished.append(event.task)
                    elif event.kind in (execd_pb2.TaskEvent.KIND_ACCEPTED,
                                        execd_pb2.TaskEvent.KIND_REJECTED):
                        verdicts.append(event)
                if len(verdicts) == expected:
                    return verdicts, finished, call
        except grpc.RpcError:
            call.cancel()
            raise
        call.cancel()
        raise RpcError(grpc.StatusCode.INTERNAL,
                       "SubmitBatchStream ended after %d of %d verdicts" %
                       (len(verdicts), expected))

    def _finish_from_stream(self, call, by_task):
        """Completes the futures from the stream's FINISHED events (no
        GetTask per future); if the stream breaks or its deadline passes,
        the callback hub takes over the futures still open."""
        try:
            for reply in call:
                for event in reply.events:
                    for future in by_task.pop(event.task.task_id, ()):
                        future._resolve(event.task)
        except grpc.RpcError:
            pass
        finally:
            call.cancel()
            for waiting in by_task.values():
                for future in waiting:
                    if not future.done():
                        self._hub.watch(future)

    def _check_open(self):
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")

    def _request(self, options, fn, args, kwargs):
        request = execd_pb2.SubmitRequest(
            function=fn,
            args=[to_value(arg) for arg in args],
            kwargs=to_struct(kwargs),
            pool=self._pool(options.pool),
            priority=options.priority,
            labels=dict(options.labels),
            max_retries=options.max_retries,
            input=options.input.encode() if isinstance(options.input, str)
            else options.input,
            # The same key on every attempt keeps retries idempotent.
            request_id=options.request_id or uuid.uuid4().hex)
        if options.timeout is not None:
            request.timeout.CopyFrom(_duration(options.timeout))
        if options.delay is not None:
            request.delay.CopyFrom(_duration(options.delay))
        return request

    def _track(self, future, watch=True):
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)
        if watch:
            self._hub.watch(future)

    def _forget(self, future):
        with self._lock:
            self._futures.discard(future)

    def _map(self, options, fn, iterables, timeout, chunksize):
        self._check_open()
        template = execd_pb2.MapRequest(
            function=fn,
            pool=self._pool(options.pool),
            chunksize=chunksize,
            outcomes_only=chunksize > 1)
        if options.timeout is not None:
            template.timeout.CopyFrom(_duration(options.timeout))
        items = [to_list_value(args) for args in zip(*iterables)]
        calls = _MapCalls(self._stub, _cut_map(template, items, chunksize),
                          timeout)
        # The first calls start now, as Executor.map submits at once; the
        # results are read lazily.
        calls.open_more()
        return self._map_results(calls)

    def _map_results(self, calls):
        try:
            while calls.open:
                first, count, call = calls.open[0]
                try:
                    for batch in call:
                        for item in batch.results:
                            yield self._outcome(item.task)
                except grpc.RpcError as error:
                    if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                        raise concurrent.futures.TimeoutError() from None
                    details = error.details()
                    if calls.cut:
                        details += (" (in the map's call of items %d-%d; item "
                                    "numbers above count from %d)"
                                    % (first, first + count - 1, first))
                    raise RpcError(error.code(), details) from None
                calls.open.popleft()
                calls.open_more()
        finally:
            for _, _, call in calls.open:
                call.cancel()

    def _outcome(self, task):
        state = execd_pb2.TaskState.Name(task.state)
        if state == "TASK_STATE_SUCCEEDED":
            return from_value(task.result)
        if state == "TASK_STATE_CANCELLED":
            raise concurrent.futures.CancelledError(task.error.message)
        raise TaskFailed.from_task(task)

    def _cancel_if_pending(self, future):
        try:
            if self._get_task(future.task_id).state == execd_pb2.TASK_STATE_PENDING:
                future.cancel()
        except RpcError:
            pass  # shutting down: best effort

    def _close_after(self, pending):
        concurrent.futures.wait(pending)
        self._close()

    def _close(self):
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._hub.stop()
        if self._owns_channel:
            self._channel.close()
        _OPEN_EXECUTORS.discard(self)

    def _call(self, method, request, timeout=_CALL_TIMEOUT_SECONDS):
        return call_with_retry(method, request, self._retry, timeout)

    def _get_task(self, task_id):
        return self._call(self._stub.GetTask,
                          execd_pb2.GetTaskRequest(task_id=task_id))

    def _cancel_task(self, task_id):
        return self._call(self._stub.Cancel,
                          execd_pb2.CancelRequest(task_id=task_id))

    def _await_task(self, task_id, seconds):
        request = execd_pb2.ResultRequest(task_id=task_id,
                                          timeout=_duration(seconds))
        return self._call(self._stub.Result, request, timeout=seconds + 10)

    @staticmethod
    def _state_name(state):
        return execd_pb2.TaskState.Name(state)

    @staticmethod
    def _pool(name):
        if name not in _POOLS:
            raise ValueError(f"unknown pool {name!r}; use 'thread' or 'process'")
        return _POOLS[name]


class _ExecutorWithOptions:
    """What ``RemoteExecutor.options(...)`` returns: submit and map with
    other TaskOptions, sharing the executor's connection and futures."""

    def __init__(self, executor, options):
        self._executor = executor
        self._options = options

    def submit(self, fn, /, *args, **kwargs):
        return self._executor._submit(self._options, fn, args, kwargs)

    def submit_many(self, fn, arguments, /, **kwargs):
        return self._executor._submit_many(self._options, fn, arguments,
                                           kwargs)

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        return self._executor._map(self._options, fn, iterables, timeout,
                                   chunksize)

    def options(self, **changes):
        return _ExecutorWithOptions(
            self._executor, dataclasses.replace(self._options, **changes))


@atexit.register
def _close_open_executors():
    for executor in list(_OPEN_EXECUTORS):
        executor._close()
