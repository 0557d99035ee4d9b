#!/usr/bin/env node
// execd from Node.js: the proto is loaded at run time with @grpc/proto-loader.
//
//   npm install
//   EXECD_TARGET=localhost:50051 node example.js
//
// Shows submit, result, the Callback stream (subscribe first, then check
// GetTask, so no ending is missed), cancel and a failed task. Exits non-zero
// if the server does not behave as described.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const TARGET = process.env.EXECD_TARGET || 'localhost:50051';
const PROTO = process.env.EXECD_PROTO ||
    path.join(__dirname, '..', '..', 'protos', 'execd', 'v1', 'execd.proto');
const TERMINAL = new Set(
    ['TASK_STATE_SUCCEEDED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELLED']);

function loadExecutor() {
  const definition = protoLoader.loadSync(PROTO, {
    longs: String,
    enums: String,  // states as names, e.g. 'TASK_STATE_SUCCEEDED'
    defaults: true,
    oneofs: true,
  });
  const execd = grpc.loadPackageDefinition(definition).execd.v1;
  return new execd.Executor(TARGET, grpc.credentials.createInsecure());
}

// Unary calls as promises.
function call(client, method, request, deadlineSeconds = 30) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + deadlineSeconds * 1000);
    client[method](request, {deadline}, (error, response) =>
      error ? reject(error) : resolve(response));
  });
}

// google.protobuf.Value builders and reader.
const number = (n) => ({numberValue: n});
const string = (s) => ({stringValue: s});
function plain(value) {
  switch (value.kind) {
    case 'numberValue': return value.numberValue;
    case 'stringValue': return value.stringValue;
    case 'boolValue': return value.boolValue;
    case 'listValue': return value.listValue.values.map(plain);
    case 'structValue':
      return Object.fromEntries(Object.entries(value.structValue.fields)
          .map(([key, item]) => [key, plain(item)]));
    default: return null;
  }
}

// One Callback(all_tasks) stream shared by every waiter: whenDone(taskId)
// resolves with the finished task.
class DoneWatcher {
  constructor(client) {
    this.client = client;
    this.waiters = new Map();  // task id -> resolve functions
    this.stream = client.Callback({allTasks: true});
    this.stream.on('data', (event) => {
      if (event.kind === 'KIND_FINISHED') this.finish(event.task);
    });
    this.stream.on('error', (error) => {
      if (error.code !== grpc.status.CANCELLED) console.error(error.message);
    });
    // Resolves once the server answered (its headers or a first event).
    this.ready = new Promise((resolve) => {
      this.stream.once('metadata', resolve);
      this.stream.once('data', resolve);
    });
  }

  async whenDone(taskId) {
    const done = new Promise((resolve) => {
      const list = this.waiters.get(taskId) || [];
      list.push(resolve);
      this.waiters.set(taskId, list);
    });
    // Subscribed first, so a task that ended before is seen here, and one
    // that ends after on the stream.
    await this.ready;
    const task = await call(this.client, 'GetTask', {taskId});
    if (TERMINAL.has(task.state)) this.finish(task);
    return done;
  }

  finish(task) {
    const list = this.waiters.get(task.taskId) || [];
    this.waiters.delete(task.taskId);
    for (const resolve of list) resolve(task);
  }

  close() {
    this.stream.cancel();
  }
}

async function main() {
  const client = loadExecutor();
  const watcher = new DoneWatcher(client);
  try {
    // 1. submit + result
    const echo = await call(client, 'Submit',
        {function: 'echo', args: [number(2), string('two')]});
    const echoed = await call(client, 'Result', {taskId: echo.taskId});
    assert.equal(echoed.state, 'TASK_STATE_SUCCEEDED');
    assert.deepEqual(plain(echoed.result), {args: [2, 'two'], kwargs: {}});
    console.log(`echo ${echo.taskId}: ${JSON.stringify(plain(echoed.result))}`);

    // 2. a done callback from the shared stream
    const sleep = await call(client, 'Submit',
        {function: 'sleep', args: [number(0.2)]});
    const slept = await watcher.whenDone(sleep.taskId);
    assert.equal(slept.state, 'TASK_STATE_SUCCEEDED');
    assert.equal(plain(slept.result), 0.2);
    console.log(`sleep ${sleep.taskId}: callback saw ${slept.state}`);

    // 3. cancel a running task
    const long = await call(client, 'Submit',
        {function: 'sleep', args: [number(60)]});
    const cancelledLater = watcher.whenDone(long.taskId);
    const cancel = await call(client, 'Cancel', {taskId: long.taskId});
    assert.equal(cancel.cancelled, true);
    const cancelled = await cancelledLater;
    assert.equal(cancelled.state, 'TASK_STATE_CANCELLED');
    console.log(`sleep ${long.taskId}: ${cancelled.state}`);

    // 4. a failing task carries its TaskError
    const fail = await call(client, 'Submit',
        {function: 'fail', args: [string('boom')]});
    const failed = await call(client, 'Result', {taskId: fail.taskId});
    assert.equal(failed.state, 'TASK_STATE_FAILED');
    assert.equal(failed.error.reason, 'TASK_ERROR');
    console.log(`fail ${fail.taskId}: ${failed.error.reason}: ` +
                failed.error.message);

    // 5. errors of the call itself are gRPC statuses
    await assert.rejects(call(client, 'Submit', {function: 'no_such'}),
        (error) => error.code === grpc.status.NOT_FOUND);
    console.log('unknown function: NOT_FOUND');
  } finally {
    watcher.close();
    client.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
