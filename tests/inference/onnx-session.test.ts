/**
 * onnxruntime-node's own telemetry (a device id and an event queue under ~/.cache, uploaded to
 * Microsoft) stays off for every session vigil opens. Each case runs in a child process with an empty
 * HOME and no CI variables (onnxruntime also stays quiet under CI=true, which would hide the difference).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const MODULE = pathToFileURL(resolve('dist/shared/inference/onnx-session.js')).href;
const MODEL = resolve('models/language-id/1.0.0/model.onnx');
const homes: string[] = [];

/** Opens the language-id model in a fresh process; true if onnxruntime created its telemetry folder. */
async function telemetryFolderAfter(open: 'vigil' | 'plain', env: Record<string, string> = {}) {
  const home = await mkdtemp(join(tmpdir(), 'vigil-ort-home-'));
  homes.push(home);
  const code =
    open === 'vigil'
      ? `const { createOnnxSession } = await import(${JSON.stringify(MODULE)}); await createOnnxSession(${JSON.stringify(MODEL)});`
      : `const { InferenceSession } = await import('onnxruntime-node'); await InferenceSession.create(${JSON.stringify(MODEL)});`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
    encoding: 'utf8',
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return existsSync(join(home, '.cache', 'Microsoft'));
}

afterEach(async () => {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
});

describe('onnxruntime telemetry', () => {
  it('is on in a plain onnxruntime-node session: what the other cases guard against', async () => {
    // If this fails after an onnxruntime upgrade, its telemetry changed: re-check createOnnxSession.
    expect(await telemetryFolderAfter('plain')).toBe(true);
  });

  it('is off in sessions opened through createOnnxSession', async () => {
    expect(await telemetryFolderAfter('vigil')).toBe(false);
  });

  it('stays on when the operator asked for it with ORT_DISABLE_TELEMETRY=0', async () => {
    expect(await telemetryFolderAfter('vigil', { ORT_DISABLE_TELEMETRY: '0' })).toBe(true);
  });
});

describe('sessions', () => {
  it('are opened through createOnnxSession everywhere', async () => {
    const offenders: string[] = [];
    for (const root of ['shared', 'functions', 'scripts', 'tests']) {
      for (const file of await readdir(root, { recursive: true })) {
        if (!file.endsWith('.ts') || file.endsWith('onnx-session.ts')) continue;
        const source = await readFile(join(root, file), 'utf8');
        if (/InferenceSession\.create\(/.test(source) && !file.endsWith('onnx-session.test.ts'))
          offenders.push(join(root, file));
      }
    }
    expect(offenders).toEqual([]);
  });
});
