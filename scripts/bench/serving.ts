/**
 * Requests/s of a trivial route (GET /health of the auth function) through both entries:
 * the lean @hono/node-server entry and the Functions Framework (Express underneath), measured with wrk.
 * Usage: npm run bench:serving [-- --duration 10 --connections 32]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, option, requireWrk, runWrk } from './support.js';

const duration = Number(option('duration', '10'));
const connections = Number(option('connections', '32'));

requireWrk();

interface Entry {
  name: string;
  command: (port: number) => string[];
}

const entries: Entry[] = [
  { name: 'lean (@hono/node-server)', command: () => ['dist/server/serve.js', 'auth'] },
  {
    name: 'functions-framework (Express)',
    command: (port) => [
      'node_modules/@google-cloud/functions-framework/build/src/main.js',
      '--target=auth',
      '--source=dist/functions/auth/index.js',
      `--port=${port}`,
    ],
  },
];

const dataDir = await mkdtemp(join(tmpdir(), 'vigil-bench-'));
const results: { entry: string; rps: number; p50: string; p99: string }[] = [];
for (const entry of entries) {
  const port = await freePort();
  const child = spawn(process.execPath, entry.command(port), {
    env: { ...process.env, PORT: String(port), VIGIL_DATA_DIR: dataDir, VIGIL_LOG_LEVEL: 'ERROR' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/health`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const { rps, p50, p99 } = runWrk(url, { connections, seconds: duration, warmupSeconds: 2 });
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  results.push({ entry: entry.name, rps, p50, p99 });
  console.log(`${entry.name}: ${rps.toFixed(0)} req/s (p50 ${p50}, p99 ${p99})`);
}
await rm(dataDir, { recursive: true, force: true });

console.log(`\nwrk -t2 -c${connections} -d${duration}s GET /health (auth function), node ${process.version}`);
console.log('| entry | req/s | p50 | p99 |\n| --- | ---: | ---: | ---: |');
for (const r of results) console.log(`| ${r.entry} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} |`);
