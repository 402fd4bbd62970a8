// Compiled with `tsc --noEmit --strict` against the built package: the public types must be
// precise (literal unions, no `any`) and the seed page's code must type-check.
import {
  LelantosClient,
  LelantosError,
  isLelantosError,
  type Template,
  type TemplateBuildStatus,
  type BuildStatus,
  type LogEntry,
  type Sandbox,
  type PaginatedResult,
  type LelantosErrorKind,
} from '@lelantos-ai/sdk';
import { lintDockerfile, type LintDiagnostic } from '@lelantos-ai/sdk/lint';

async function main(): Promise<void> {
  const client = new LelantosClient({ apiKey: 'lel_x', baseURL: 'http://127.0.0.1:3000', timeout: 30000 });
  const template: Template = await client.createTemplate({
    dockerfile: 'FROM python:3.12-slim\n',
    alias: 'data-science',
    cpuCount: 4,
    memoryMB: 2048,
  });
  const id: string = template.templateID;
  const status: TemplateBuildStatus = await client.getTemplateBuildStatus(id, template.buildID);
  const s: BuildStatus = status.status;
  if (s === 'error') {
    const why: string | undefined = status.error;
    const line: number | undefined = status.reason?.line;
    void why;
    void line;
  }
  // @ts-expect-error: "done" is not a build status
  const wrong: BuildStatus = 'done';
  void wrong;
  const final = await client.waitForBuild(id, template.buildID, {
    intervalMs: 500,
    timeoutMs: 60_000,
    signal: new AbortController().signal,
    onStatus: (st: TemplateBuildStatus) => void st.status,
    onLogs: (entries: LogEntry[]) => entries.forEach((e) => void e.level),
  });
  void final;
  // @ts-expect-error: cpuCount is a number
  await client.createTemplate({ dockerfile: 'FROM a', cpuCount: '4' });
  // @ts-expect-error: dockerfile is required
  await client.createTemplate({ alias: 'x' });
  const page: PaginatedResult<Template> = await client.listTemplates({ limit: 10 });
  const next: string | undefined = page.nextToken;
  void next;
  const sandbox = await client.createSandbox({ templateID: id, timeout: 3600, metadata: { a: 'b' }, envVars: { K: 'v' } });
  const sid: string = sandbox.sandboxID;
  const details: Sandbox = await sandbox.getDetails();
  const state: 'running' | 'killed' | 'stopped' = details.state;
  void state;
  await sandbox.kill();
  await client.killSandbox(sid);
  const list: Sandbox[] = await client.listSandboxes({ state: ['running'] });
  void list;
  await client.deleteTemplate(id);
  const diags: LintDiagnostic[] = lintDockerfile('FROM a');
  const sev: 'error' | 'warning' | undefined = diags[0]?.severity;
  void sev;
  try {
    await client.getTemplate('nope');
  } catch (e: unknown) {
    if (isLelantosError(e)) {
      const k: LelantosErrorKind = e.kind;
      const st: number = e.status;
      const code: number | null = e.code;
      void k, st, code;
      if (e.kind === 'build') void e.build?.reason;
    }
    if (e instanceof LelantosError) void e.message;
  }
}
void main;
