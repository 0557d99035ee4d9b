#!/usr/bin/python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (run once; the
output is committed). Needs protoc and python3-protobuf:
  tests/fuzz/make_seeds.py   (Debian python3: /usr/bin/python3)
The first byte(s) of each seed select the target's mode (see the
LLVMFuzzerTestOneInput of each target)."""
import os
import pathlib
import struct
import subprocess
import sys
import tempfile

here = pathlib.Path(__file__).resolve().parent
root = here.parent.parent
gen = tempfile.mkdtemp()
subprocess.run(["protoc", f"--proto_path={root}/protos", f"--python_out={gen}",
                "execd/v1/execd.proto", "execd/v1/worker.proto"], check=True)
sys.path.insert(0, gen)
from execd.v1 import execd_pb2, worker_pb2  # noqa: E402
from google.protobuf import struct_pb2  # noqa: E402


def values(*items):
    out = struct_pb2.ListValue()
    out.extend(items)
    return out


def write(target, name, data):
    folder = here / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def submit(function, args=(), kwargs=None, **fields):
    request = execd_pb2.SubmitRequest(function=function, **fields)
    request.args.extend(values(*args).values)
    if kwargs:
        request.kwargs.update(kwargs)
    return request


submits = {
    "echo": submit("echo", [1, "two", True, None, [3], {"k": "v"}],
                   {"x": 1}, input=b"in", request_id="r1",
                   labels={"a": "b"}),
    "sleep_kw": submit("sleep", [], {"seconds": 0.5}, priority=-3),
    "primes": submit("primes", [100000], pool=execd_pb2.POOL_PROCESS),
    "primes_bad": submit("primes", [-1]),
    "fail": submit("fail", ["boom"], max_retries=3),
    "crash": submit("crash", [], {"how": "segv"}, pool=execd_pb2.POOL_PROCESS),
    "exec": submit("exec", ["/bin/cat", "-"], {"env": {"A": "1"},
                                              "cwd": "/tmp"}),
    "exec_denied": submit("exec", ["/bin/sh", "-c", "id"]),
    "allocate": submit("allocate", [64], {"seconds": 1}),
    "unknown": submit("nope"),
}
submits["sleep_kw"].timeout.seconds = 2
submits["sleep_kw"].delay.nanos = 500000000
for name, request in submits.items():
    write("submit_validation", f"submit_{name}", b"\x00\x00" +
          request.SerializeToString())
mapreq = execd_pb2.MapRequest(function="primes", chunksize=3)
for n in (10, 100, "x"):
    mapreq.items.add().values.append(struct_pb2.Value(number_value=n)
                                     if isinstance(n, int) else
                                     struct_pb2.Value(string_value=n))
write("submit_validation", "map_primes", b"\x01\x01" + mapreq.SerializeToString())
mapreq.outcomes_only = True
write("submit_validation", "map_outcomes", b"\x01\x01" + mapreq.SerializeToString())
write("submit_validation", "built_submit", b"\x02\x02" + bytes(range(64)))
write("submit_validation", "built_map", b"\x03\x00" + bytes(range(255, 191, -1)))

for name, request in submits.items():
    call = worker_pb2.WorkerCall(task_id="t", function=request.function,
                                 input=request.input)
    call.args.values.extend(request.args)
    call.kwargs.CopyFrom(request.kwargs)
    write("builtins", f"call_{name}", b"\x00" + call.SerializeToString())
write("builtins", "built", b"\x01" + bytes(range(1, 80)))
write("builtins", "built_kwargs", b"\x01\x00\x04\x00\x01\x02\x08" * 6)


def frame(message):
    payload = message.SerializeToString()
    return struct.pack(">I", len(payload)) + payload


request = worker_pb2.WorkerRequest()
for name in ("echo", "primes", "exec"):
    call = request.calls.add(task_id="0" * 32, function=name)
    call.args.values.extend(submits[name].args)
hello = worker_pb2.WorkerReply(hello=worker_pb2.WorkerReply.Hello(pid=42))
done = worker_pb2.WorkerReply()
done.done.task_id = "1" * 32
done.done.ok = True
done.done.result = struct_pb2.Value(number_value=9592).SerializeToString()
done.done.output = b"out"
failed = worker_pb2.WorkerReply()
failed.done.task_id = "2" * 32
failed.done.error.reason = "TASK_ERROR"
failed.done.error.message = "boom"
child = worker_pb2.WorkerReply(child=worker_pb2.WorkerReply.ChildGroup(pgid=7))
write("frame_codec", "request", b"\x80" + frame(request))
write("frame_codec", "replies", b"\xc0" + frame(hello) + frame(done) +
      frame(failed) + frame(child))
write("frame_codec", "truncated", b"\xc0" + frame(done)[:-3])
write("frame_codec", "over_limit", b"\x02" + frame(request))
write("frame_codec", "garbage", b"\x40\x00\x00\x00\x05\xff\xff\xff\xff\xff")
print("seeds written under", here / "corpus")
