// The seed page's examples, as written there, against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LelantosClient } from '@lelantos-ai/sdk';
import { startServer, KEY } from './server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('seed page: create → waitForBuild (as written there) → createSandbox, then rebuild and delete', async () => {
  process.env.LELANTOS_API_KEY = KEY;
  const client = new LelantosClient({ apiKey: process.env.LELANTOS_API_KEY, baseURL: server.url, timeout: 30000 });
  const logged = [];
  const console = { log: (...a) => logged.push(a.join(' ')), error: (...a) => logged.push(a.join(' ')) };

  // ---- from the page, verbatim ----
  const template = await client.createTemplate({
    dockerfile: `
FROM python:3.12-slim
RUN pip install numpy pandas scikit-learn matplotlib
`,
    alias: "data-science",
    cpuCount: 4,
    memoryMB: 2048,
  });

  console.log("Template ID:", template.templateID);
  console.log("Build ID:", template.buildID);

  const status = await client.getTemplateBuildStatus(
    template.templateID,
    template.buildID,
  );

  console.log("Status:", status.status);
  // "building" | "ready" | "error"

  if (status.status === "error") {
    console.error("Build failed:", status.error);
  }

  async function waitForBuild(client, templateID, buildID) {
    while (true) {
      const status = await client.getTemplateBuildStatus(templateID, buildID);

      if (status.status === "ready") {
        console.log("Template is ready!");
        return;
      }

      if (status.status === "error") {
        throw new Error(`Build failed: ${status.error}`);
      }

      // Wait 2 seconds before checking again
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  await waitForBuild(client, template.templateID, template.buildID);

  // Now create a sandbox from the template
  const sandbox = await client.createSandbox({
    templateID: template.templateID,
  });

  const updated = await client.createTemplate({
    dockerfile: `
FROM python:3.12-slim
RUN pip install numpy pandas scikit-learn matplotlib seaborn
`,
    alias: "data-science",
    cpuCount: 4,
    memoryMB: 4096, // Increased memory
  });

  await client.deleteTemplate(template.templateID);
  // ---- end of the page's code ----

  assert.match(template.templateID, /^[a-z0-9]{20}$/);
  assert.equal(template.cpuCount, 4);
  assert.equal(template.memoryMB, 2048);
  assert.deepEqual(template.aliases, ['data-science']);
  assert.ok(['building', 'ready'].includes(status.status));
  assert.ok(logged.includes('Template is ready!'), logged.join('\n'));
  assert.equal(logged[0], `Template ID: ${template.templateID}`);
  assert.match(sandbox.sandboxID, /^sbx_/);
  assert.equal(sandbox.templateID, template.templateID);
  assert.equal(sandbox.state, 'running');
  assert.equal(sandbox.cpuCount, 4);
  assert.notEqual(updated.templateID, template.templateID);
  assert.equal(updated.memoryMB, 4096);
  assert.equal(updated.buildCount, 2);
  // The deleted template is gone; its sandbox keeps running.
  await assert.rejects(client.getTemplate(template.templateID), (e) => e.kind === 'not_found' && e.status === 404);
  assert.equal((await client.getSandbox(sandbox.sandboxID)).state, 'running');
  await sandbox.kill();
});

test('seed page: the old resolv.conf Dockerfile ends in error with the line', async () => {
  const client = new LelantosClient({ apiKey: KEY, baseURL: server.url });
  const template = await client.createTemplate({
    dockerfile: `
FROM python:3.12-slim
RUN pip install numpy pandas scikit-learn matplotlib
RUN echo "nameserver 8.8.8.8" > /etc/resolv.conf
`,
    alias: 'old-dns',
  });
  const err = await client.waitForBuild(template.templateID, template.buildID, { intervalMs: 100 }).then(
    () => assert.fail('the build must fail'),
    (e) => e,
  );
  assert.equal(err.name, 'LelantosError');
  assert.equal(err.kind, 'build');
  assert.match(err.message, /^Build failed: .*Read-only file system/);
  assert.equal(err.build.status, 'error');
  assert.equal(err.build.reason.line, 4);
});
