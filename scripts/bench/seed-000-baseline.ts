/**
 * Seed 000's stack (FastAPI + scikit-learn TF-IDF + LinearSVC, one uvicorn worker), rebuilt in
 * `scripts/bench/seed-000/app.py`, started beside vigil so that `bench:toxicity --baseline` measures
 * both under the same host conditions, minutes apart (BENCHMARKS.md: this host's speed drifts with its
 * neighbours, so a figure measured on another day is a moving target).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's python by default: the packages below are installed for it, not for a pyenv's python3. */
export const DEFAULT_PYTHON = '/usr/bin/python3';
const MODULES = 'fastapi, uvicorn, sklearn, jwt, multipart, prometheus_client, httptools, uvloop';
const PACKAGES =
  'python3-fastapi python3-uvicorn python3-sklearn python3-jwt python3-multipart python3-prometheus-client python3-httptools python3-uvloop';
// dist/scripts/bench/ → scripts/bench/seed-000/app.py (the Python file is not compiled).
const APP = fileURLToPath(new URL('../../../scripts/bench/seed-000/app.py', import.meta.url));

/** Exits with the apt command to run when the baseline's Python packages are missing. */
export function requireBaselinePython(python = DEFAULT_PYTHON): void {
  const check = spawnSync(python, ['-c', `import ${MODULES}`], { encoding: 'utf8' });
  if (check.status !== 0) {
    console.error(`--baseline needs seed 000's stack from Debian: apt-get install -y ${PACKAGES}`);
    process.exit(2);
  }
}

export interface Baseline {
  child: ChildProcess;
  /** `Authorization` header value for `/predict`, from the seed's own `/token`. */
  bearer: string;
  url: string;
}

/** Trains the baseline's model on `trainCsv` (a few seconds), waits for it to listen, logs in. */
export async function startBaseline(
  port: number,
  trainCsv: string,
  python = DEFAULT_PYTHON,
): Promise<Baseline> {
  const child = spawn(python, [APP, trainCsv, String(port)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`the seed 000 baseline exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/token`, {
        method: 'POST',
        body: new URLSearchParams({ username: 'admin', password: 'admin' }),
      });
      const { access_token } = (await res.json()) as { access_token: string };
      return { child, bearer: `Bearer ${access_token}`, url: `${base}/predict` };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill();
  throw new Error('the seed 000 baseline did not start within two minutes');
}
