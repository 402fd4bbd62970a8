// A tiny app that uses the SDK, bundled for production by bundle.test.mjs.
import { LelantosClient, isLelantosError } from '@lelantos-ai/sdk';
import { lintDockerfile } from '@lelantos-ai/sdk/lint';

const out = document.querySelector('#out');
const params = new URLSearchParams(location.search);
const client = new LelantosClient({ apiKey: params.get('key') ?? 'lel_missing', baseURL: params.get('api') ?? 'http://127.0.0.1:3000' });
const diags = lintDockerfile('FROM python:3.12-slim\nRUN echo "nameserver 8.8.8.8" > /etc/resolv.conf\n');
client
  .createTemplate({ dockerfile: 'FROM python:3.12-slim\nRUN pip install numpy\n', alias: 'bundled' })
  .then((t) => client.waitForBuild(t.templateID, t.buildID, { intervalMs: 100 }))
  .then((s) => { out.textContent = `ok ${s.status} lint=${diags[0].rule}`; })
  .catch((e) => { out.textContent = `failed ${isLelantosError(e) ? e.kind : ''} ${e.message}`; });
