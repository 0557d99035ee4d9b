#!/usr/bin/python3
"""Checks the Dockerfile against a real build (CTest k8s.dockerfile).

- every file the final stage copies out of the build stage is
  <build-stage build dir>/bin/<name>, and bin/<name> exists in this build;
- the build stage runs the CMake of CI (Ninja, EXECD_SKIP_PARTS="");
- the final stage is debian:bookworm-slim, runs as a numeric non-root user
  and exposes 50051 and 9090;
- each package the final stage installs exists in Debian 12 (apt-cache), and
  the set is exactly the packages owning the libraries `ldd` resolves for the
  copied binaries (dpkg -S), plus the init (tini), less what the base image
  is guaranteed to hold.

usage: dockerfile_check.py <Dockerfile> <bin dir>
"""

import os
import posixpath
import re
import shlex
import shutil
import subprocess
import sys

# Essential in every Debian image: never installed explicitly.
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1"}
# Installed for a reason other than a shared library.
NON_LIBRARY_PACKAGES = {"tini"}

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)
    return condition


def parse_stages(text):
    """Returns [{"from": image, "name": alias, "lines": [(instr, args)]}]."""
    joined = re.sub(r"\\\n", " ", text)
    stages = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        args = args.strip()
        if instruction == "FROM":
            words = args.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append({"from": words[0], "name": name, "lines": []})
        elif stages:
            stages[-1]["lines"].append((instruction, args))
    return stages


def shell_commands(run_args):
    """The simple commands of a RUN line, split on && and ;."""
    commands = []
    for part in re.split(r"&&|;", run_args):
        words = shlex.split(part)
        while words and re.match(r"^[A-Z_]+=", words[0]):
            words = words[1:]  # VAR=value prefixes
        if words:
            commands.append(words)
    return commands


def build_dir_of(stage):
    workdir = "/"
    for instruction, args in stage["lines"]:
        if instruction == "WORKDIR":
            workdir = posixpath.join(workdir, args)
        if instruction != "RUN":
            continue
        for words in shell_commands(args):
            if words[0] == "cmake" and "-B" in words:
                binary = posixpath.join(workdir, words[words.index("-B") + 1])
                expect("-G" in words and words[words.index("-G") + 1] == "Ninja",
                       "build stage: cmake must configure with -G Ninja, as CI")
                expect("-DEXECD_SKIP_PARTS=" in words,
                       "build stage: cmake must pass -DEXECD_SKIP_PARTS=\"\", as CI")
                return posixpath.normpath(binary)
    return None


def package_of(library):
    for candidate in (library, os.path.realpath(library), "/usr" + library):
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True,
                                text=True)
        if result.returncode == 0:
            return result.stdout.split(":")[0].strip()
    return None


def needed_packages(binary):
    result = subprocess.run(["ldd", binary], capture_output=True, text=True,
                            timeout=60)
    if not expect(result.returncode == 0, f"ldd {binary}: {result.stderr}"):
        return {}
    packages = {}
    for line in result.stdout.splitlines():
        if "not found" in line:
            problems.append(f"{binary}: {line.strip()}")
            continue
        match = re.search(r"=>\s+(/\S+)", line)
        if not match:
            continue
        package = package_of(match.group(1))
        if expect(package, f"no Debian package owns {match.group(1)} "
                  f"(needed by {os.path.basename(binary)})"):
            packages.setdefault(package, []).append(os.path.basename(match.group(1)))
    return packages


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    dockerfile, bin_dir = sys.argv[1:]
    stages = parse_stages(open(dockerfile, encoding="utf-8").read())
    if len(stages) < 2:
        sys.exit("FAIL: the Dockerfile must be multi-stage")
    build = {s["name"]: s for s in stages if s["name"]}
    final = stages[-1]
    expect(stages[0]["from"].startswith("debian:bookworm"),
           f"build stage is {stages[0]['from']}, not Debian 12 (bookworm)")
    expect(final["from"] == "debian:bookworm-slim",
           f"final stage is {final['from']}, not debian:bookworm-slim")

    # COPY --from=<stage>: files of the stage's CMake build dir bin/.
    copied = []
    for instruction, args in final["lines"]:
        if instruction != "COPY":
            continue
        words = args.split()
        source_stage = next((w.split("=", 1)[1] for w in words
                             if w.startswith("--from=")), None)
        paths = [w for w in words if not w.startswith("--")]
        if source_stage is None:
            continue
        if not expect(source_stage in build, f"COPY --from={source_stage}: no such stage"):
            continue
        build_dir = build_dir_of(build[source_stage])
        if not expect(build_dir, f"stage {source_stage}: no `cmake -B <dir>` found"):
            continue
        for source in paths[:-1]:
            parent = posixpath.dirname(posixpath.normpath(source))
            expect(parent == posixpath.join(build_dir, "bin"),
                   f"COPY {source}: not in the build dir's bin/ "
                   f"({build_dir}/bin)")
            name = posixpath.basename(source)
            local = os.path.join(bin_dir, name)
            if expect(os.path.isfile(local) and os.access(local, os.X_OK),
                      f"COPY {source}: {local} does not exist in this build "
                      f"(a full build, -DEXECD_SKIP_PARTS=\"\", makes it)"):
                copied.append(local)
            print(f"COPY {source} -> {paths[-1]}: "
                  f"{'found' if os.path.isfile(local) else 'MISSING'} in {bin_dir}")
    expect(any(posixpath.basename(s) == "execd" for s in
               [posixpath.basename(c) for c in copied]) or not copied,
           "the image must contain execd")

    # User, ports, no HEALTHCHECK.
    users = [a for i, a in final["lines"] if i == "USER"]
    expect(users and re.fullmatch(r"[1-9]\d*(:\d+)?", users[-1]),
           f"final stage must run as a numeric non-root USER, has {users}")
    exposed = set(" ".join(a for i, a in final["lines"] if i == "EXPOSE").split())
    expect({"50051", "9090"} <= exposed, f"EXPOSE {exposed}: need 50051 9090")
    expect(not any(i == "HEALTHCHECK" for i, _ in final["lines"]),
           "no HEALTHCHECK: Kubernetes probes the gRPC health service")

    # Runtime packages.
    installed = set()
    for instruction, args in final["lines"]:
        if instruction != "RUN":
            continue
        for words in shell_commands(args):
            if words[0] == "apt-get" and "install" in words:
                rest = words[words.index("install") + 1:]
                installed |= {w for w in rest if not w.startswith("-")}
    expect(installed, "final stage installs no packages")
    for package in sorted(installed):
        expect(not package.endswith("-dev"), f"{package}: a -dev package at run time")
    if shutil.which("apt-cache"):
        for package in sorted(installed):
            show = subprocess.run(["apt-cache", "show", "--no-all-versions", package],
                                  capture_output=True, text=True)
            policy = subprocess.run(["apt-cache", "policy", package],
                                    capture_output=True, text=True).stdout
            if expect(show.returncode == 0 and show.stdout.strip(),
                      f"{package}: not a Debian package known to apt-cache"):
                expect("bookworm" in policy or "/var/lib/dpkg/status" in policy,
                       f"{package}: not from Debian 12 (bookworm):\n{policy}")
                print(f"apt: {package} exists")
    else:
        print("NOTE: apt-cache not available; package existence not checked "
              "(the ldd/dpkg comparison below still runs)")

    if not shutil.which("dpkg") or not shutil.which("ldd"):
        sys.exit("FAIL: dpkg and ldd are needed to compare the runtime packages")
    needed = {}
    for binary in copied:
        for package, libraries in needed_packages(binary).items():
            needed.setdefault(package, set()).update(libraries)
    if copied:
        required = set(needed) - BASE_IMAGE_PACKAGES
        for package in sorted(required - installed):
            problems.append(f"runtime package {package} missing from the final "
                            f"stage (provides {sorted(needed[package])})")
        for package in sorted(installed - required - NON_LIBRARY_PACKAGES):
            problems.append(f"final stage installs {package}, which no copied "
                            f"binary links")
        for package in sorted(required & installed):
            print(f"ldd: {package} provides {len(needed[package])} libraries")

    if problems:
        print("FAIL:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)
    print("Dockerfile OK")


if __name__ == "__main__":
    main()
