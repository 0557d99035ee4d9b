#!/usr/bin/env node
// Offline checks of the execd Kubernetes manifests (CTest label k8s).
//
//   node k8s_check.js schemas <overlay dir>
//       renders the overlay with `kubectl kustomize` and validates every
//       object against the Kubernetes / Prometheus Operator / KEDA schemas of
//       the kubernetes-models packages, unknown fields included.
//   node k8s_check.js invariants <repo root> <execd binary> <overlay>...
//       checks what the schemas cannot: probes, ports, selectors, grace
//       periods, security settings, and that the server accepts the rendered
//       flags and exports the metric the autoscaler scales on (it starts the
//       real execd on 127.0.0.1 with the rendered ConfigMap as environment).
//
// The packages come from tests/k8s/validate/package.json, installed by the
// k8s.npm_setup test into the build dir; NODE_PATH points there.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

let YAML;
try {
  YAML = require('yaml');
} catch (error) {
  fail('the npm packages are missing (run the k8s.npm_setup test; ' +
       'NODE_PATH=' + (process.env.NODE_PATH || '') + '): ' + error.message);
}

function fail(message) {
  console.error('FAIL: ' + message);
  process.exit(1);
}

// ---------------------------------------------------------------- rendering

function findKubectl() {
  const candidates = [process.env.KUBECTL, '/usr/bin/kubectl',
    ...(process.env.PATH || '').split(':').map((d) => path.join(d, 'kubectl'))];
  for (const candidate of candidates) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  fail('kubectl not found (looked at $KUBECTL, /usr/bin/kubectl and $PATH): ' +
       'it is needed to render the kustomize overlays; install kubectl');
}

function render(overlayDir) {
  const result = childProcess.spawnSync(findKubectl(), ['kustomize', overlayDir],
      {encoding: 'utf8', timeout: 60000});
  if (result.error) fail(`kubectl kustomize ${overlayDir}: ${result.error}`);
  if (result.status !== 0) {
    fail(`kubectl kustomize ${overlayDir} exited ${result.status}:\n` +
         result.stderr);
  }
  const objects = [];
  for (const doc of YAML.parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) fail(`YAML of ${overlayDir}: ${doc.errors[0]}`);
    const object = doc.toJS();
    if (object !== null) objects.push(object);
  }
  if (objects.length === 0) fail(`${overlayDir} rendered no objects`);
  return objects;
}

// ------------------------------------------------------------------ schemas

// The model class of an object, from apiVersion and kind.
function modelFor(object) {
  const apiVersion = object.apiVersion || '';
  const kind = object.kind || '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const modules = {
    '': `kubernetes-models/${version}/${kind}`,
    'monitoring.coreos.com':
        `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`,
    'keda.sh': `@kubernetes-models/keda/${group}/${version}/${kind}`,
  };
  const module = group in modules ? modules[group] :
      `kubernetes-models/${group}/${version}/${kind}`;
  let exports;
  try {
    exports = require(module);
  } catch (error) {
    return null;
  }
  return exports[kind] || null;
}

// Runs the model's validator on a proxy of the object that records every
// property the validator reads; properties it never reads are not in the
// schema (the generated validators do not reject unknown fields themselves).
// Returns the paths of the unknown fields; throws on schema errors.
function strictValidate(Model, object) {
  const seen = new Set();
  const proxies = new WeakMap();
  const wrap = (value, at) => {
    if (value === null || typeof value !== 'object') return value;
    if (!proxies.has(value)) proxies.set(value, new Map());
    const byPath = proxies.get(value);
    if (!byPath.has(at)) {
      byPath.set(at, new Proxy(value, {
        get(target, property, receiver) {
          const inner = Reflect.get(target, property, receiver);
          if (typeof property !== 'string') return inner;
          seen.add(at + '/' + property);
          return wrap(inner, at + '/' + property);
        },
      }));
    }
    return byPath.get(at);
  };
  Model.prototype.validate.call(wrap(object, ''));
  const unknown = [];
  const walk = (value, at) => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${at}/${i}`));
      return;
    }
    for (const key of Object.keys(value)) {
      if (seen.has(`${at}/${key}`)) {
        walk(value[key], `${at}/${key}`);
      } else {
        unknown.push(`${at}/${key}`);
      }
    }
  };
  walk(object, '');
  return unknown;
}

function checkSchemas(overlayDir) {
  const objects = render(overlayDir);
  const problems = [];
  for (const object of objects) {
    const name = `${object.apiVersion} ${object.kind} ` +
        `${(object.metadata || {}).name}`;
    const Model = modelFor(object);
    if (Model === null) {
      problems.push(`${name}: no schema known for this apiVersion/kind`);
      continue;
    }
    try {
      const unknown = strictValidate(Model, object);
      for (const field of unknown) problems.push(`${name}: unknown field ${field}`);
      if (unknown.length === 0) console.log(`ok   ${name}`);
    } catch (error) {
      problems.push(`${name}: ${error.message}`);
    }
  }
  if (problems.length > 0) fail('schema problems:\n  ' + problems.join('\n  '));
  console.log(`${overlayDir}: ${objects.length} objects valid`);
}

// --------------------------------------------------------------- invariants

const problems = [];
function expect(condition, message) {
  if (!condition) problems.push(message);
  return condition;
}

function one(objects, kind, where) {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.length === 1, `${where}: expected one ${kind}, found ${found.length}`);
  return found[0];
}

function subset(selector, labels) {
  return Object.entries(selector || {}).every(([k, v]) => (labels || {})[k] === v);
}

// absl duration text ("30s", "1m30s", "500ms", "1h") in seconds.
function durationSeconds(text) {
  const units = {h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, ns: 1e-9};
  let total = 0;
  let rest = String(text).trim();
  if (rest === '0') return 0;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/.exec(rest);
    if (!match) return NaN;
    total += parseFloat(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

function portOf(address) {
  return parseInt(String(address).slice(String(address).lastIndexOf(':') + 1), 10);
}

// Checks one rendered overlay; returns what the metric checks need.
function checkOverlay(repoRoot, overlay) {
  const where = `overlays/${overlay}`;
  const objects = render(path.join(repoRoot, 'k8s', 'overlays', overlay));
  const byKind = (kind) => objects.filter((o) => o.kind === kind);

  // Namespaces: every namespaced object lands in the overlay's namespace.
  const namespace = one(objects, 'Namespace', where);
  const nsName = namespace && namespace.metadata.name;
  if (namespace) {
    expect((namespace.metadata.labels || {})['pod-security.kubernetes.io/enforce'] ===
           'restricted', `${where}: namespace does not enforce PSS restricted`);
  }
  for (const o of objects) {
    if (o.kind === 'Namespace') continue;
    expect(o.metadata.namespace === nsName,
           `${where}: ${o.kind}/${o.metadata.name} is in namespace ` +
           `${o.metadata.namespace}, not ${nsName}`);
  }

  const deployment = one(objects, 'Deployment', where);
  if (!deployment) return null;
  const podSpec = deployment.spec.template.spec;
  const podLabels = deployment.spec.template.metadata.labels;
  expect(subset(deployment.spec.selector.matchLabels, podLabels),
         `${where}: Deployment selector does not match its pod labels`);
  const container = podSpec.containers.find((c) => c.name === 'execd');
  if (!expect(container, `${where}: no container named execd`)) return null;
  const ports = {};
  for (const p of container.ports || []) ports[p.name] = p.containerPort;
  expect(ports.grpc && ports.metrics,
         `${where}: container ports must be named grpc and metrics`);

  // ConfigMap: the server flags, wired through envFrom.
  const configName = ((container.envFrom || []).find((e) => e.configMapRef) ||
                      {configMapRef: {}}).configMapRef.name;
  const config = byKind('ConfigMap').find((c) => c.metadata.name === configName);
  if (!expect(config, `${where}: envFrom ConfigMap ${configName} not rendered`)) {
    return null;
  }
  const env = config.data;
  for (const key of Object.keys(env)) {
    expect(/^EXECD_[A-Z_]+$/.test(key), `${where}: ConfigMap key ${key} is not EXECD_*`);
  }
  expect(portOf(env.EXECD_GRPC_ADDRESS) === ports.grpc,
         `${where}: EXECD_GRPC_ADDRESS ${env.EXECD_GRPC_ADDRESS} does not ` +
         `listen on the grpc containerPort ${ports.grpc}`);
  expect(portOf(env.EXECD_METRICS_ADDRESS) === ports.metrics,
         `${where}: EXECD_METRICS_ADDRESS ${env.EXECD_METRICS_ADDRESS} does ` +
         `not listen on the metrics containerPort ${ports.metrics}`);
  expect(env.EXECD_THREADS && env.EXECD_PROCESSES,
         `${where}: set EXECD_THREADS and EXECD_PROCESSES (the defaults follow ` +
         `the node's cores, not the pod's CPU limit)`);

  // Probes: native gRPC, integer port = the grpc containerPort.
  const probeServices = {readinessProbe: 'execd.v1.Executor',
    livenessProbe: 'liveness', startupProbe: 'liveness'};
  for (const [probe, service] of Object.entries(probeServices)) {
    const spec = container[probe];
    if (!expect(spec && spec.grpc, `${where}: ${probe} must be a grpc probe`)) continue;
    expect(Number.isInteger(spec.grpc.port) && spec.grpc.port === ports.grpc,
           `${where}: ${probe}.grpc.port ${spec.grpc.port} is not the grpc ` +
           `containerPort ${ports.grpc}`);
    expect(spec.grpc.service === service,
           `${where}: ${probe} checks "${spec.grpc.service}", not "${service}"`);
  }

  // Drain: grace period > preStop + shutdown grace + stream flush/shutdown.
  const preStop = ((container.lifecycle || {}).preStop) || {};
  let preStopSeconds = 0;
  if (preStop.sleep) preStopSeconds = preStop.sleep.seconds;
  if (preStop.exec) {
    const command = preStop.exec.command;
    expect(command[0] === '/bin/sleep' && command.length === 2,
           `${where}: preStop exec must be ["/bin/sleep", N], is ${command}`);
    preStopSeconds = parseFloat(command[1]);
  }
  expect(preStopSeconds > 0, `${where}: no preStop delay`);
  const grace = durationSeconds(env.EXECD_SHUTDOWN_GRACE || '30s');
  const flushSeconds = 3;  // server_main.cc: 2 s stream flush + 1 s Shutdown
  const period = podSpec.terminationGracePeriodSeconds;
  expect(period > preStopSeconds + grace + flushSeconds,
         `${where}: terminationGracePeriodSeconds ${period} <= preStop ` +
         `${preStopSeconds} + shutdown_grace ${grace} + ${flushSeconds}`);

  // Security: Pod Security Standards "restricted", read-only root, /tmp.
  const podSecurity = podSpec.securityContext || {};
  const security = container.securityContext || {};
  expect(podSecurity.runAsNonRoot === true || security.runAsNonRoot === true,
         `${where}: runAsNonRoot is not set`);
  expect(security.allowPrivilegeEscalation === false,
         `${where}: allowPrivilegeEscalation must be false`);
  expect(JSON.stringify((security.capabilities || {}).drop) === '["ALL"]',
         `${where}: capabilities must drop ALL`);
  expect(((security.seccompProfile || podSecurity.seccompProfile) || {}).type ===
         'RuntimeDefault', `${where}: seccompProfile must be RuntimeDefault`);
  expect(security.readOnlyRootFilesystem === true,
         `${where}: readOnlyRootFilesystem must be true`);
  const tmp = (container.volumeMounts || []).find((m) => m.mountPath === '/tmp');
  const tmpVolume = tmp && (podSpec.volumes || []).find((v) => v.name === tmp.name);
  expect(tmpVolume && tmpVolume.emptyDir, `${where}: /tmp must be an emptyDir`);
  const dockerfile = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const user = /^USER\s+(\d+)(?::(\d+))?\s*$/m.exec(dockerfile);
  expect(user && parseInt(user[1], 10) === podSecurity.runAsUser,
         `${where}: runAsUser ${podSecurity.runAsUser} is not the Dockerfile's ` +
         `numeric USER ${user && user[1]}`);
  const resources = container.resources || {};
  for (const kind of ['requests', 'limits']) {
    for (const resource of ['cpu', 'memory']) {
      expect((resources[kind] || {})[resource],
             `${where}: resources.${kind}.${resource} is not set`);
    }
  }

  // Services: selectors match the pods, target ports exist.
  const services = byKind('Service');
  const main = services.find((s) => s.spec.clusterIP !== 'None');
  const headless = services.find((s) => s.spec.clusterIP === 'None');
  expect(main && headless, `${where}: need a ClusterIP and a headless Service`);
  for (const service of services) {
    const name = `Service/${service.metadata.name}`;
    expect(Object.keys(service.spec.selector || {}).length > 0 &&
           subset(service.spec.selector, podLabels),
           `${where}: ${name} selector does not match the pod labels`);
    for (const port of service.spec.ports) {
      const target = port.targetPort;
      expect(typeof target === 'string' ? target in ports :
             Object.values(ports).includes(target),
             `${where}: ${name} port ${port.name} targets ${target}, ` +
             `not a container port`);
    }
  }
  if (main) {
    const names = main.spec.ports.map((p) => p.name).sort().join(',');
    expect(names === 'grpc,metrics', `${where}: Service ports are ${names}`);
  }
  for (const pdb of byKind('PodDisruptionBudget')) {
    expect(subset(pdb.spec.selector.matchLabels, podLabels),
           `${where}: PodDisruptionBudget selector does not match the pods`);
  }
  for (const policy of byKind('NetworkPolicy')) {
    expect(subset(policy.spec.podSelector.matchLabels, podLabels),
           `${where}: NetworkPolicy podSelector does not match the pods`);
    for (const rule of policy.spec.ingress || []) {
      for (const port of rule.ports || []) {
        expect(typeof port.port === 'string' ? port.port in ports :
               Object.values(ports).includes(port.port),
               `${where}: NetworkPolicy allows port ${port.port}, not a container port`);
      }
    }
  }
  for (const monitor of byKind('ServiceMonitor')) {
    const selected = services.filter(
        (s) => subset(monitor.spec.selector.matchLabels, s.metadata.labels));
    expect(selected.length === 1 && selected[0] === main,
           `${where}: ServiceMonitor must select exactly the ClusterIP Service ` +
           `(selects ${selected.map((s) => s.metadata.name)})`);
    for (const endpoint of monitor.spec.endpoints) {
      expect(main && main.spec.ports.some((p) => p.name === endpoint.port),
             `${where}: ServiceMonitor endpoint port ${endpoint.port} not in the Service`);
    }
  }

  // Autoscaling: exactly one of HPA and KEDA, aimed at the Deployment.
  const hpas = byKind('HorizontalPodAutoscaler');
  const scaledObjects = byKind('ScaledObject');
  expect(hpas.length + scaledObjects.length <= 1,
         `${where}: ${hpas.length} HPAs and ${scaledObjects.length} ScaledObjects; ` +
         `KEDA must replace the HPA, not join it`);
  const metricNames = [];
  for (const hpa of hpas) {
    expect(hpa.spec.scaleTargetRef.kind === 'Deployment' &&
           hpa.spec.scaleTargetRef.name === deployment.metadata.name,
           `${where}: HPA does not target the Deployment`);
    for (const metric of hpa.spec.metrics) {
      if (!expect(metric.type === 'Pods', `${where}: HPA metric is not per pod`)) continue;
      metricNames.push({source: `${where} HPA`, name: metric.pods.metric.name,
        adapter: true});
    }
    expect(hpa.spec.minReplicas >= 1 && hpa.spec.maxReplicas >= hpa.spec.minReplicas,
           `${where}: HPA replica bounds`);
  }
  for (const scaled of scaledObjects) {
    expect(scaled.spec.scaleTargetRef.name === deployment.metadata.name,
           `${where}: ScaledObject does not target the Deployment`);
    for (const trigger of scaled.spec.triggers) {
      if (!expect(trigger.type === 'prometheus', `${where}: KEDA trigger not prometheus`)) {
        continue;
      }
      const query = trigger.metadata.query;
      const nsMatch = /namespace="([^"]*)"/.exec(query);
      expect(nsMatch && nsMatch[1] === scaled.metadata.namespace,
             `${where}: KEDA query selects namespace ${nsMatch && nsMatch[1]}, ` +
             `the ScaledObject is in ${scaled.metadata.namespace}`);
      const svcMatch = /service="([^"]*)"/.exec(query);
      expect(!svcMatch || (main && svcMatch[1] === main.metadata.name),
             `${where}: KEDA query selects service ${svcMatch && svcMatch[1]}`);
      for (const name of query.match(/\b[a-z_][a-z0-9_]*(?=\s*\{)/g) || []) {
        metricNames.push({source: `${where} KEDA query`, name, adapter: false});
      }
      expect(parseFloat(trigger.metadata.threshold) > 0, `${where}: KEDA threshold`);
    }
  }
  return {overlay, env, metricNames};
}

// The prometheus-adapter rule: which custom metric name it serves, from which
// series.
function adapterRule(repoRoot) {
  const file = path.join(repoRoot, 'k8s', 'base', 'prometheus-adapter-rules.yaml');
  const rules = YAML.parse(fs.readFileSync(file, 'utf8')).rules.custom;
  expect(rules.length === 1, 'prometheus-adapter-rules.yaml: expected one rule');
  const rule = rules[0];
  const series = /^([a-z_][a-z0-9_]*)\{/.exec(rule.seriesQuery);
  expect(rule.resources.overrides.pod && rule.resources.overrides.namespace,
         'adapter rule must map the pod and namespace labels');
  expect(/sum\(<<\.Series>>\{<<\.LabelMatchers>>\}\) by \(<<\.GroupBy>>\)/
      .test(rule.metricsQuery), 'adapter rule must sum over pools per pod');
  return {series: series && series[1], as: rule.name.as};
}

// Starts the real server with `env` (addresses on 127.0.0.1, ephemeral
// ports) and returns the text of its /metrics.
async function serverMetrics(execd, env, label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'execd-k8s-'));
  const ready = path.join(dir, 'ready');
  const worker = path.join(path.dirname(execd), 'execd-worker');
  const childEnv = {...process.env, ...env,
    EXECD_GRPC_ADDRESS: '127.0.0.1:0', EXECD_METRICS_ADDRESS: '127.0.0.1:0',
    EXECD_READY_FILE: ready};
  if (!fs.existsSync(worker)) {
    console.log(`note: ${worker} not built; ${label} runs with EXECD_PROCESSES=0`);
    childEnv.EXECD_PROCESSES = '0';
  }
  const log = fs.openSync(path.join(dir, 'server.log'), 'w');
  const child = childProcess.spawn(execd, [], {env: childEnv,
    stdio: ['ignore', log, log]});
  let exited = null;
  child.on('exit', (code, signal) => { exited = {code, signal}; });
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const serverLog = () => fs.readFileSync(path.join(dir, 'server.log'), 'utf8');
  try {
    let metricsPort = 0;
    const deadline = Date.now() + 30000;
    while (!metricsPort) {
      if (exited) {
        throw new Error(`execd exited (${JSON.stringify(exited)}) with the ${label} ` +
             `ConfigMap as environment; log:\n${serverLog()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`execd did not start; log:\n${serverLog()}`);
      }
      if (fs.existsSync(ready)) {
        const line = /^metrics=.*:(\d+)$/m.exec(fs.readFileSync(ready, 'utf8'));
        if (line) metricsPort = parseInt(line[1], 10);
      }
      await sleep(20);
    }
    return await new Promise((resolve, reject) => {
      http.get({host: '127.0.0.1', port: metricsPort, path: '/metrics',
        timeout: 10000}, (response) => {
        let body = '';
        response.on('data', (chunk) => { body += chunk; });
        response.on('end', () => resolve(body));
      }).on('error', reject);
    });
  } finally {
    if (!exited) {
      child.kill('SIGKILL');  // our own child, by pid
      while (!exited) await sleep(10);
    }
    fs.closeSync(log);
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

async function checkInvariants(repoRoot, execd, overlays) {
  if (!fs.existsSync(execd)) fail(`server binary ${execd} not built`);
  const rule = adapterRule(repoRoot);
  for (const overlay of overlays) {
    const result = checkOverlay(repoRoot, overlay);
    if (!result) continue;
    let metrics;
    try {
      metrics = await serverMetrics(execd, result.env, overlay);
    } catch (error) {
      expect(false, `overlays/${overlay}: ${error.message}`);
      continue;
    }
    const exported = new Set();
    for (const line of metrics.split('\n')) {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
      if (match) exported.add(match[1]);
    }
    for (const metric of result.metricNames) {
      let series = metric.name;
      let ok = true;
      if (metric.adapter) {
        ok = expect(metric.name === rule.as,
                    `${metric.source} scales on ${metric.name}, the adapter ` +
                    `rule serves ${rule.as}`);
        series = rule.series;
      }
      ok = expect(exported.has(series),
                  `${metric.source}: metric ${series} is not in execd's /metrics`) && ok;
      if (ok) console.log(`ok   ${metric.source}: ${metric.name} <- ${series} exported`);
    }
    console.log(`${overlay}: invariants checked`);
  }
  if (problems.length > 0) fail('invariants broken:\n  ' + problems.join('\n  '));
}

// --------------------------------------------------------------------- main

const [mode, ...args] = process.argv.slice(2);
if (mode === 'schemas' && args.length === 1) {
  checkSchemas(args[0]);
} else if (mode === 'invariants' && args.length >= 3) {
  checkInvariants(args[0], args[1], args.slice(2)).catch((error) => fail(error.stack));
} else {
  fail('usage: k8s_check.js schemas <overlay dir> | ' +
       'invariants <repo root> <execd> <overlay>...');
}
