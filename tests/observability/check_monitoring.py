#!/usr/bin/python3
"""Checks k8s/monitoring against itself, promtool and the docs.

1. execd-prometheusrule.yaml carries exactly the rule groups of
   execd-rules.yml (--fix rewrites it from the raw file).
2. Every alert of execd-rules.yml has a firing and a quiet case in
   execd-rules.test.yml.
3. The dashboard is templated on datasource, namespace and pod, and every
   PromQL expression in it (panel targets and variable queries), with the
   template variables substituted, parses: each becomes a recording rule in a
   temporary rules file checked by `promtool check rules`.
4. Every metric the dashboard and the alerts use is in docs/observability.md.

Standard library only.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

RULES = "execd-rules.yml"
RULE_TESTS = "execd-rules.test.yml"
PROMETHEUS_RULE = "execd-prometheusrule.yaml"
DASHBOARD = "execd-dashboard.json"

PROMETHEUS_RULE_HEADER = """\
# Generated from execd-rules.yml (the raw rule group that promtool checks and
# unit-tests); regenerate with tests/observability/check_monitoring.py --fix.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: execd
  labels:
    app.kubernetes.io/name: execd
    app.kubernetes.io/component: monitoring
spec:
"""

# Values standing in for Grafana's variables; any valid PromQL will do.
SUBSTITUTIONS = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "1h",
    "datasource": "prometheus",
    "namespace": "default",
    "pod": "execd-0",
}

METRIC_NAME = re.compile(r"\b((?:execd|grpc_server|process)_[a-z_]+)\b")
HISTOGRAM_SUFFIX = re.compile(r"_(bucket|sum|count)$")

errors = []


def fail(message):
    errors.append(message)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def rule_groups_part(raw_rules):
    """The raw rules file from its `groups:` line on."""
    lines = raw_rules.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("groups:"):
            return "".join(lines[i:])
    fail(f"{RULES}: no top-level groups:")
    return ""


def expected_prometheus_rule(raw_rules):
    body = "".join(("  " + line) if line.strip() else line
                   for line in rule_groups_part(raw_rules).splitlines(True))
    return PROMETHEUS_RULE_HEADER + body


def check_prometheus_rule(directory, fix):
    expected = expected_prometheus_rule(read(os.path.join(directory, RULES)))
    path = os.path.join(directory, PROMETHEUS_RULE)
    if fix:
        with open(path, "w", encoding="utf-8") as f:
            f.write(expected)
    elif not os.path.exists(path) or read(path) != expected:
        fail(f"{PROMETHEUS_RULE} differs from {RULES}; run "
             "check_monitoring.py --fix")


def check_rule_tests(directory):
    alerts = re.findall(r"^\s*- alert: (\w+)", read(os.path.join(directory, RULES)),
                        re.M)
    if not alerts:
        fail(f"{RULES}: no alerts")
    tests = read(os.path.join(directory, RULE_TESTS))
    # Each alert_rule_test entry: alertname, then exp_alerts empty or not.
    cases = re.findall(r"alertname: (\w+)\n\s*exp_alerts:(\s*\[\])?", tests)
    for alert in alerts:
        kinds = {bool(empty) for name, empty in cases if name == alert}
        if kinds != {True, False}:
            fail(f"{RULE_TESTS}: {alert} needs a firing and a quiet case")


def substitute(expr):
    def value(match):
        name = match.group(1) or match.group(2)
        name = name.split(":")[0]  # ${var:format}
        if name not in SUBSTITUTIONS:
            fail(f"dashboard: unknown variable ${name} in {expr!r}")
            return "x"
        return SUBSTITUTIONS[name]
    return re.sub(r"\$\{([^}]+)\}|\$(\w+)", value, expr)


def dashboard_exprs(dashboard):
    """(where, expr) for each PromQL expression of the dashboard."""
    exprs = []

    def panels(items):
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))

    for panel in panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            if "expr" in target:
                exprs.append((f"panel {panel.get('title')!r}", target["expr"]))
            ds = target.get("datasource", panel.get("datasource"))
            if not isinstance(ds, dict) or ds.get("uid") != "${datasource}":
                fail(f"panel {panel.get('title')!r}: target not on "
                     "${datasource}")
        if panel.get("type") != "row" and not panel.get("targets"):
            fail(f"panel {panel.get('title')!r}: no queries")
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if variable.get("type") != "query" or not query:
            continue
        match = re.fullmatch(r"label_values\((.*),\s*\w+\)", query.strip(), re.S)
        if match:
            query = match.group(1)
        exprs.append((f"variable {variable.get('name')}", query))
    return exprs


def check_dashboard(directory, promtool):
    dashboard = json.loads(read(os.path.join(directory, DASHBOARD)))
    variables = {v.get("name"): v for v in
                 dashboard.get("templating", {}).get("list", [])}
    if variables.get("datasource", {}).get("type") != "datasource":
        fail("dashboard: no datasource variable")
    for name in ("namespace", "pod"):
        if variables.get(name, {}).get("type") != "query":
            fail(f"dashboard: no {name} query variable")
    exprs = dashboard_exprs(dashboard)
    if len(exprs) < 10:
        fail(f"dashboard: only {len(exprs)} expressions")
    for where, expr in exprs:
        if where.startswith("panel") and 'namespace="$namespace"' not in expr:
            fail(f"{where}: not filtered by namespace: {expr}")
    lines = ["groups:", "  - name: dashboard", "    rules:"]
    for i, (where, expr) in enumerate(exprs):
        lines.append(f"      - record: dashboard:expr_{i}")
        lines.append(f"        expr: {json.dumps(substitute(expr))}")
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        rules_path = f.name
    try:
        result = subprocess.run([promtool, "check", "rules", rules_path],
                                capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(rules_path)
    if result.returncode != 0:
        listing = "\n".join(f"  expr_{i} ({where}): {expr}"
                            for i, (where, expr) in enumerate(exprs))
        fail("promtool rejects dashboard expressions:\n" + result.stdout +
             result.stderr + listing)
    return [expr for _, expr in exprs]


def check_documented(exprs, rules_text, docs_path):
    docs = read(docs_path)
    documented = set(re.findall(r"^\|\s*`([a-z_]+)`", docs, re.M))
    used = set()
    for text in exprs + [rules_text]:
        for name in METRIC_NAME.findall(text):
            used.add(HISTOGRAM_SUFFIX.sub("", name))
    for name in sorted(used - documented):
        fail(f"metric {name} is used but not in {docs_path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitoring", required=True)
    parser.add_argument("--docs", required=True)
    parser.add_argument("--promtool", default="/usr/bin/promtool")
    parser.add_argument("--fix", action="store_true",
                        help="rewrite the PrometheusRule from the raw rules")
    args = parser.parse_args()
    if not os.access(args.promtool, os.X_OK):
        print(f"FAIL: {args.promtool} missing: install the Debian package "
              "prometheus (scripts/install-deps.sh)", file=sys.stderr)
        return 1
    check_prometheus_rule(args.monitoring, args.fix)
    check_rule_tests(args.monitoring)
    exprs = check_dashboard(args.monitoring, args.promtool)
    check_documented(exprs, read(os.path.join(args.monitoring, RULES)),
                     args.docs)
    for error in errors:
        print("FAIL:", error, file=sys.stderr)
    if not errors:
        print(f"ok: {len(exprs)} dashboard expressions, rules in sync")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
