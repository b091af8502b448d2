/** Starts and stops the gcloud Firestore and Pub/Sub emulators for tests, each in its own process group. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export type EmulatorKind = 'firestore' | 'pubsub';

export interface RunningEmulator {
  kind: EmulatorKind;
  host: string;
  stop(): Promise<void>;
}

export const EMULATOR_PROJECT = 'vigil-test';

export function gcloudAvailable(): boolean {
  return spawnSync('gcloud', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function argsFor(kind: EmulatorKind, hostPort: string): string[] {
  return kind === 'firestore'
    ? [
        'emulators',
        'firestore',
        'start',
        `--host-port=${hostPort}`,
        `--project=${EMULATOR_PROJECT}`,
        '--quiet',
      ]
    : [
        'beta',
        'emulators',
        'pubsub',
        'start',
        `--host-port=${hostPort}`,
        `--project=${EMULATOR_PROJECT}`,
        '--quiet',
      ];
}

/** Kills the whole process group: gcloud (Python) spawns a shell script that spawns java. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export async function startEmulator(kind: EmulatorKind, timeoutMs = 60_000): Promise<RunningEmulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = spawn('gcloud', argsFor(kind, host), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const stop = async () => {
    if (exited) return;
    killGroup(child, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (!exited) killGroup(child, 'SIGKILL');
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${kind} emulator exited during start:\n${output}`);
    try {
      const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return { kind, host, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`${kind} emulator did not answer on ${host} within ${timeoutMs} ms:\n${output}`);
}

/** Deletes every document in the emulator's default database. */
export async function wipeFirestore(host: string, project = EMULATOR_PROJECT): Promise<void> {
  const res = await fetch(`http://${host}/emulator/v1/projects/${project}/databases/(default)/documents`, {
    method: 'DELETE',
  });
  if (!res.ok) throw new Error(`wiping the Firestore emulator failed: ${res.status}`);
}
