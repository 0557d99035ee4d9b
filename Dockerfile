# syntax=docker/dockerfile:1
# execd container image: the server (execd), its process-pool worker
# (execd-worker, which must sit next to execd) and the CLI (execctl).
#
#   docker build -t execd:dev .
#
# tests/k8s/dockerfile_check.py keeps this file honest: every file copied out
# of the build stage must exist in a real build's bin/ folder, and the runtime
# packages below must be exactly the Debian 12 packages whose libraries
# `ldd` resolves for those binaries.

# --- build stage: the same CMake as CI (scripts/build.sh), tests left out ---
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev prometheus-cpp-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /src/build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DEXECD_SKIP_PARTS="" -DEXECD_BUILD_TESTS=OFF \
 && cmake --build /src/build -j "$(nproc)" \
 && strip --strip-debug /src/build/bin/execd /src/build/bin/execd-worker \
      /src/build/bin/execctl

# --- runtime stage: bookworm-slim plus the shared libraries and tini ---
# bookworm-slim keeps coreutils, so /bin/sleep exists for the preStop hook.
# tini runs as PID 1: it forwards SIGTERM to execd (which then drains) and
# reaps orphaned grandchildren of `exec` tasks, which execd does not wait for.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tini \
      libabsl20220623 libc-ares2 libcivetweb1 libgrpc++1.51 libgrpc29 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libprotobuf32 \
      libre2-9 libssl3 libstdc++6 zlib1g \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/bin/execd /src/build/bin/execd-worker /src/build/bin/execctl /usr/local/bin/
# A numeric non-root user (the "nonroot" id of distroless images), so that
# Kubernetes' runAsNonRoot can verify it without a passwd entry.
USER 65532:65532
# A deeper per-thread malloc cache: records and events are allocated on one
# thread and freed on another (docs/performance.md).
ENV GLIBC_TUNABLES=glibc.malloc.tcache_count=1000
EXPOSE 50051 9090
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/execd"]
