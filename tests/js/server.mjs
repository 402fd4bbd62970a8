// Starts the real lelantos-server (dry-run builder) on an ephemeral loopback port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const KEY = 'lel_jstest00000000000000000000000001';

export async function startServer(extraArgs = []) {
  const bin = process.env.LELANTOS_SERVER_BIN;
  if (!bin) throw new Error('LELANTOS_SERVER_BIN is not set (scripts/test sets it)');
  const dir = mkdtempSync(path.join(tmpdir(), 'lelantos-js-'));
  const child = spawn(
    bin,
    ['--listen', '127.0.0.1:0', '--data-dir', dir, '--builder', 'dry-run', '--api-key', KEY, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LELANTOS_LOG: 'warn' } },
  );
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`lelantos-server exited with ${code}`)));
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, stop };
}
