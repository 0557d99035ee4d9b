"""Retrying unary calls."""

import random
import time

import grpc

from execd._errors import RpcError

_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)


def retry_delay_hint(error):
    """The server's ``retry-delay-ms`` trailing metadata, in seconds."""
    trailers = getattr(error, "trailing_metadata", lambda: None)() or ()
    for key, value in trailers:
        if key == "retry-delay-ms":
            try:
                return max(0.0, int(value) / 1000.0)
            except ValueError:
                return 0.0
    return 0.0


def call_with_retry(method, request, policy, timeout=None):
    """Calls ``method(request)``; raises RpcError once retrying cannot help."""
    backoff = policy.initial_backoff
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return method(request, timeout=timeout)
        except grpc.RpcError as error:
            if error.code() not in _RETRYABLE or attempt == policy.max_attempts:
                raise RpcError(error.code(), error.details()) from None
            # Jitter keeps many clients from retrying in lock step.
            time.sleep(max(retry_delay_hint(error),
                           backoff * random.uniform(0.8, 1.2)))
            backoff = min(policy.max_backoff, backoff * policy.multiplier)
    raise AssertionError("unreachable")
