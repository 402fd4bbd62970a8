// Every LelantosClient method of the built package, against the real server (dry-run builder).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { LelantosClient, LelantosError, isLelantosError } from '@lelantos-ai/sdk';
import { lintDockerfile } from '@lelantos-ai/sdk/lint';
import { startServer, KEY } from './server.mjs';

const DF = 'FROM python:3.12-slim\nRUN pip install numpy\n';
let server;
let slow; // a server whose dry-run builds take ~1 s per step
let client;
before(async () => {
  [server, slow] = await Promise.all([startServer(), startServer(['--dry-run-step-delay-ms', '300'])]);
  client = new LelantosClient({ apiKey: KEY, baseURL: server.url });
});
after(async () => { await Promise.all([server.stop(), slow.stop()]); });

/** A loopback port where nothing listens (a request there would be a network error). */
async function deadPort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function rejectsWith(promise, check) {
  return assert.rejects(promise, (e) => {
    assert.ok(e instanceof LelantosError, `not a LelantosError: ${e}`);
    assert.ok(e instanceof Error);
    assert.ok(isLelantosError(e));
    assert.equal(e.name, 'LelantosError');
    assert.ok(!String(e.message).includes(KEY), 'the key never appears in messages');
    check(e);
    return true;
  });
}

describe('construction', () => {
  test('options are checked', () => {
    assert.equal(new LelantosClient({ apiKey: KEY }).baseURL, 'https://api.lelantos.ai');
    assert.equal(new LelantosClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:1/' }).baseURL, 'http://127.0.0.1:1');
    for (const [opts, needle] of [
      [{}, 'apiKey is required'],
      [{ apiKey: '' }, 'apiKey must be'],
      [{ apiKey: KEY, baseURL: 'localhost:3000' }, 'baseURL must be an http:// or https:// URL'],
      [{ apiKey: KEY, timeout: 0 }, 'timeout must be an integer from 1 to 3600000'],
      [{ apiKey: KEY, timeout: '30000' }, 'timeout must be an integer'],
      [{ apiKey: KEY, timout: 5 }, 'unknown field `timout`'],
    ]) {
      assert.throws(() => new LelantosClient(opts), (e) => {
        assert.ok(isLelantosError(e));
        assert.equal(e.kind, 'validation');
        assert.equal(e.status, 0);
        assert.ok(e.message.includes(needle), `${e.message} lacks ${needle}`);
        return true;
      });
    }
    assert.throws(() => new LelantosClient('lel_x'), (e) => e.kind === 'validation');
  });
});

describe('templates', () => {
  test('create with defaults, get, status with logsOffset, list with cursor, delete', async () => {
    const t = await client.createTemplate({ dockerfile: DF });
    assert.equal(t.cpuCount, 2);
    assert.equal(t.memoryMB, 512);
    assert.equal(t.buildStatus, 'building');
    const final = await client.waitForBuild(t.templateID, t.buildID, { intervalMs: 100 });
    assert.equal(final.status, 'ready');
    const all = await client.getTemplateBuildStatus(t.templateID, t.buildID);
    assert.deepEqual(final.logs, all.logs, 'waitForBuild returns every log line');
    const tail = await client.getTemplateBuildStatus(t.templateID, t.buildID, { logsOffset: 2 });
    assert.deepEqual(tail.logs, all.logs.slice(2));
    assert.equal((await client.getTemplate(t.templateID)).buildStatus, 'ready');

    for (let i = 0; i < 3; i++) await client.createTemplate({ dockerfile: DF, alias: `page-${i}` });
    const first = await client.listTemplates({ limit: 2 });
    assert.equal(first.data.length, 2);
    assert.equal(typeof first.nextToken, 'string');
    const second = await client.listTemplates({ limit: 2, nextToken: first.nextToken });
    const ids = [...first.data, ...second.data].map((x) => x.templateID);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.includes(t.templateID));
    const everything = await client.listTemplates();
    assert.equal(everything.nextToken, undefined);

    assert.equal(await client.deleteTemplate(t.templateID), undefined);
    await rejectsWith(client.getTemplate(t.templateID), (e) => {
      assert.equal(e.kind, 'not_found');
      assert.equal(e.status, 404);
      assert.equal(e.code, 404);
    });
  });

  test('waitForBuild reports progress and logs, and cancelBuild stops a build', async () => {
    const c = new LelantosClient({ apiKey: KEY, baseURL: slow.url });
    const t = await c.createTemplate({ dockerfile: 'FROM a:1\nRUN 1\nRUN 2\n' });
    const statuses = [];
    const chunks = [];
    const done = await c.waitForBuild(t.templateID, t.buildID, {
      intervalMs: 100,
      onStatus: (s) => statuses.push(s.status),
      onLogs: (entries) => chunks.push(entries),
    });
    assert.equal(done.status, 'ready');
    assert.ok(statuses.includes('building') && statuses.at(-1) === 'ready', statuses.join());
    assert.ok(chunks.length >= 2, 'logs arrive in several pieces while the build runs');
    assert.deepEqual(chunks.flat(), done.logs, 'onLogs sees each entry exactly once');

    const long = await c.createTemplate({ dockerfile: 'FROM a:1\nRUN 1\nRUN 2\nRUN 3\nRUN 4\nRUN 5\n' });
    const cancelled = await c.cancelBuild(long.templateID, long.buildID);
    assert.equal(cancelled.status, 'error');
    assert.equal(cancelled.error, 'build cancelled');
    await rejectsWith(c.cancelBuild(long.templateID, long.buildID), (e) => {
      assert.equal(e.kind, 'conflict');
      assert.equal(e.status, 409);
    });
  });

  test('waitForBuild: abort through a signal, and timeoutMs', async () => {
    const c = new LelantosClient({ apiKey: KEY, baseURL: slow.url });
    const t = await c.createTemplate({ dockerfile: 'FROM a:1\nRUN 1\nRUN 2\nRUN 3\nRUN 4\nRUN 5\nRUN 6\n' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 250);
    const started = Date.now();
    await rejectsWith(c.waitForBuild(t.templateID, t.buildID, { intervalMs: 2000, signal: ac.signal }), (e) => {
      assert.equal(e.kind, 'aborted');
      assert.equal(e.status, 0);
    });
    assert.ok(Date.now() - started < 1500, 'abort ends the wait at once, not after the interval');
    await rejectsWith(c.waitForBuild(t.templateID, t.buildID, { intervalMs: 100, timeoutMs: 300 }), (e) => {
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, /still building after 300 ms/);
    });
    const pre = new AbortController();
    pre.abort();
    await rejectsWith(c.getTemplate(t.templateID, { signal: pre.signal }), (e) => assert.equal(e.kind, 'aborted'));
  });
});

describe('sandboxes', () => {
  test('create (handle), get, list, kill; 409 while building', async () => {
    const t = await client.createTemplate({ dockerfile: DF, alias: 'sbx', cpuCount: 3, memoryMB: 1024 });
    await client.waitForBuild(t.templateID, t.buildID, { intervalMs: 50 });
    const sb = await client.createSandbox({ templateID: 'sbx', timeout: 600, metadata: { user: 'alice' }, envVars: { TOKEN: 'x' } });
    assert.match(sb.sandboxID, /^sbx_/);
    assert.equal(sb.templateID, t.templateID);
    assert.equal(sb.alias, 'sbx');
    assert.equal(sb.cpuCount, 3);
    assert.equal(sb.memoryMB, 1024);
    assert.equal(sb.state, 'running');
    assert.deepEqual(sb.metadata, { user: 'alice' });
    assert.equal(Date.parse(sb.endAt) - Date.parse(sb.startedAt), 600_000);
    assert.equal(JSON.parse(JSON.stringify(sb)).sandboxID, sb.sandboxID);
    const details = await sb.getDetails();
    assert.equal(details.state, 'running');
    assert.deepEqual(await client.getSandbox(sb.sandboxID), details);
    const listed = await client.listSandboxes();
    assert.ok(listed.some((s) => s.sandboxID === sb.sandboxID));
    assert.equal((await client.listSandboxes({ metadata: { user: 'nobody' } })).length, 0);
    assert.equal((await client.listSandboxes({ metadata: { user: 'alice' } })).length, 1);
    await sb.kill();
    assert.equal((await client.getSandbox(sb.sandboxID)).state, 'killed');
    assert.ok((await client.listSandboxes({ state: ['killed'] })).some((s) => s.sandboxID === sb.sandboxID));
    const other = await client.createSandbox({ templateID: t.templateID });
    assert.equal(await client.killSandbox(other.sandboxID), undefined);

    const c = new LelantosClient({ apiKey: KEY, baseURL: slow.url });
    const building = await c.createTemplate({ dockerfile: 'FROM a:1\nRUN 1\nRUN 2\nRUN 3\n' });
    await rejectsWith(c.createSandbox({ templateID: building.templateID }), (e) => {
      assert.equal(e.kind, 'conflict');
      assert.equal(e.status, 409);
      assert.match(e.message, /still building/);
    });
  });

  test('health', async () => {
    const h = await client.health();
    assert.equal(h.status, 'ok');
    assert.equal(h.builder, 'dry-run');
  });
});

describe('validation happens before any request', async () => {
  // A client whose base URL has nothing listening: any request would fail as `network`.
  const port = await deadPort();
  const offline = new LelantosClient({ apiKey: KEY, baseURL: `http://127.0.0.1:${port}` });
  const cases = [
    [() => offline.createTemplate({ dockerfile: DF, cpuCount: 9 }), 'cpuCount must be an integer from 1 to 8, got 9'],
    [() => offline.createTemplate({ dockerfile: DF, cpuCount: 2.5 }), 'got 2.5'],
    [() => offline.createTemplate({ dockerfile: DF, cpuCount: '4' }), 'got "4" (a string)'],
    [() => offline.createTemplate({ dockerfile: DF, memoryMB: 127 }), 'memoryMB must be an integer from 128 to 8192, got 127'],
    [() => offline.createTemplate({ dockerfile: DF, memoryMB: 8193 }), 'got 8193'],
    [() => offline.createTemplate({ dockerfile: '' }), 'dockerfile must not be empty'],
    [() => offline.createTemplate({ dockerfile: 'RUN echo' }), 'no FROM'],
    [() => offline.createTemplate({ dockerfile: DF, alias: 'Data Science' }), 'alias must be'],
    [() => offline.createTemplate({ dockerfile: DF, cpus: 2 }), 'unknown field `cpus`'],
    [() => offline.createTemplate(), 'dockerfile is required'],
    [() => offline.createTemplate('FROM a'), 'options must be an object'],
    [() => offline.getTemplateBuildStatus('', 'b'), 'templateID must be a non-empty string'],
    [() => offline.getTemplateBuildStatus('t', 'b', { logsOffset: -1 }), 'logsOffset'],
    [() => offline.waitForBuild('t', 'b', { onStatus: 'x' }), 'onStatus must be a function'],
    [() => offline.listTemplates({ limit: 0 }), 'limit must be an integer from 1 to 100'],
    [() => offline.createSandbox({ templateID: 't', timeout: 0 }), 'timeout must be an integer from 1 to 86400'],
    [() => offline.createSandbox({ templateID: 't', envVars: { '1X': 'v' } }), 'not a valid variable name'],
    [() => offline.createSandbox({}), 'templateID is required'],
    [() => offline.getSandbox(42), 'sandboxID must be a non-empty string'],
    [() => offline.listSandboxes({ state: ['paused'] }), 'state must be'],
    [() => offline.getTemplate('t', { signal: 'no' }), 'signal must be an AbortSignal'],
  ];
  for (const [call, needle] of cases) {
    test(needle, async () => {
      await rejectsWith(call(), (e) => {
        assert.equal(e.kind, 'validation');
        assert.equal(e.status, 0);
        assert.equal(e.code, null);
        assert.ok(e.message.includes(needle), `${e.message} lacks ${needle}`);
      });
    });
  }
  test('undefined optional fields count as absent', async () => {
    const t = await client.createTemplate({ dockerfile: DF, alias: undefined, cpuCount: undefined });
    assert.equal(t.cpuCount, 2);
  });
});

describe('errors from the server and the network', () => {
  test('401 with a wrong key, 404 for unknown ids', async () => {
    const bad = new LelantosClient({ apiKey: 'lel_wrong_wrong_wrong_wrong', baseURL: server.url });
    await rejectsWith(bad.listTemplates(), (e) => {
      assert.equal(e.kind, 'auth');
      assert.equal(e.status, 401);
      assert.equal(e.code, 401);
      assert.ok(!e.message.includes('lel_wrong'));
    });
    await rejectsWith(client.getTemplateBuildStatus('nope', 'nope'), (e) => assert.equal(e.kind, 'not_found'));
    await rejectsWith(client.getSandbox('sbx_nope'), (e) => assert.equal(e.kind, 'not_found'));
  });

  test('network errors name the base URL', async () => {
    const port = await deadPort();
    const c = new LelantosClient({ apiKey: KEY, baseURL: `http://127.0.0.1:${port}` });
    await rejectsWith(c.getTemplate('x'), (e) => {
      assert.equal(e.kind, 'network');
      assert.equal(e.status, 0);
      assert.ok(e.message.includes(`127.0.0.1:${port}`), e.message);
    });
  });

  test('a request that gets no answer times out', async () => {
    const sockets = [];
    const silent = net.createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise((r) => silent.listen(0, '127.0.0.1', r));
    const c = new LelantosClient({ apiKey: KEY, baseURL: `http://127.0.0.1:${silent.address().port}`, timeout: 200 });
    const started = Date.now();
    await rejectsWith(c.getTemplate('x'), (e) => {
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, /timed out after 200 ms/);
    });
    assert.ok(Date.now() - started < 2000);
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => silent.close(r));
  });

  test('429 is retried after Retry-After (real server with --rate-limit)', async () => {
    const limited = await startServer(['--rate-limit', '2']);
    try {
      const c = new LelantosClient({ apiKey: KEY, baseURL: limited.url });
      const started = Date.now();
      const results = await Promise.all([1, 2, 3, 4].map(() => c.listTemplates()));
      assert.equal(results.length, 4);
      assert.ok(Date.now() - started >= 900, 'some calls waited for Retry-After');
    } finally {
      await limited.stop();
    }
  });

  test('502/503/504 are retried for reads (3 attempts at most), never for creates', async () => {
    // The real server never answers 503, so this one fault comes from a stand-in.
    let hits = { GET: 0, POST: 0 };
    const flaky = http.createServer((req, res) => {
      hits[req.method]++;
      if (req.method === 'GET' && hits.GET === 3) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', version: 'x', builder: 'dry-run', warnings: [] }));
        return;
      }
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 503, message: 'unavailable' }));
    });
    await new Promise((r) => flaky.listen(0, '127.0.0.1', r));
    const c = new LelantosClient({ apiKey: KEY, baseURL: `http://127.0.0.1:${flaky.address().port}` });
    assert.equal((await c.health()).status, 'ok');
    assert.equal(hits.GET, 3);
    hits.GET = 10;
    await rejectsWith(c.health(), (e) => { assert.equal(e.kind, 'server'); assert.equal(e.status, 503); });
    assert.equal(hits.GET, 13, 'gave up after 3 attempts');
    await rejectsWith(c.createTemplate({ dockerfile: DF }), (e) => assert.equal(e.status, 503));
    assert.equal(hits.POST, 1, 'a create is never blindly retried');
    await new Promise((r) => flaky.close(r));
  });

  test('a base URL that is not the API is reported as such', async () => {
    const html = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html></html>'); });
    await new Promise((r) => html.listen(0, '127.0.0.1', r));
    const c = new LelantosClient({ apiKey: KEY, baseURL: `http://127.0.0.1:${html.address().port}` });
    await rejectsWith(c.getTemplate('x'), (e) => { assert.equal(e.kind, 'server'); assert.match(e.message, /not JSON/); });
    await new Promise((r) => html.close(r));
  });
});

test('lintDockerfile uses the API rules', () => {
  const d = lintDockerfile('FROM python:3.12-slim\nRUN echo "nameserver 8.8.8.8" > /etc/resolv.conf\n');
  assert.equal(d.length, 1);
  assert.deepEqual({ line: d[0].line, severity: d[0].severity, rule: d[0].rule }, { line: 2, severity: 'error', rule: 'resolv-conf-write' });
  assert.match(d[0].message, /Read-only file system/);
  assert.deepEqual(lintDockerfile('FROM debian:12\nRUN apt-get install -y curl\n'), []);
});
