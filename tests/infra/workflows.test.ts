/** GitHub workflows: schema-valid (action-validator), and deploying the way docs/DEPLOYMENT.md says. */

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './terraform.js';

const WORKFLOWS = join(ROOT, '.github', 'workflows');
const workflows = new Map<string, string>();

beforeAll(async () => {
  for (const name of await readdir(WORKFLOWS)) {
    if (/\.ya?ml$/.test(name)) workflows.set(name, await readFile(join(WORKFLOWS, name), 'utf8'));
  }
});

/** The text of one job: from its header to the next job header at the same indentation. */
function job(text: string, name: string): string {
  const start = text.search(new RegExp(`^  ${name}:\\s*$`, 'm'));
  if (start < 0) return '';
  const rest = text.slice(start + 1);
  const end = rest.search(/^ {2}[\w-]+:\s*$/m);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('workflow files', () => {
  it('exist: ci, deploy and its per-environment workflow', () => {
    expect([...workflows.keys()].sort()).toEqual(
      expect.arrayContaining(['ci.yml', 'deploy-environment.yml', 'deploy.yml']),
    );
  });

  it('are valid workflows for action-validator', () => {
    for (const [name, text] of workflows) {
      expect(validateWorkflow(text).errors, name).toEqual([]);
    }
  });

  it('action-validator rejects a broken workflow (the check can fail)', () => {
    const broken = 'name: x\non: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    stepz: []\n';
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
    expect(validateWorkflow('name: x\non: [push\n').errors.length).toBeGreaterThan(0);
  });

  it('reference only local workflows that exist', () => {
    for (const [name, text] of workflows) {
      for (const match of text.matchAll(/uses:\s*\.\/(\S+)/g)) {
        expect(existsSync(join(ROOT, match[1]!)), `${name} uses ./${match[1]}`).toBe(true);
      }
    }
  });

  it('pin every action to a major version', () => {
    for (const [name, text] of workflows) {
      for (const match of text.matchAll(/uses:\s*([^.\s][^\s@]*)(@\S+)?/g)) {
        expect(match[2], `${name}: ${match[1]}`).toMatch(/^@v\d+$/);
      }
    }
  });
});

describe('ci.yml', () => {
  it('runs on push and pull request: install, lint, type-check, tests with the emulators', () => {
    const ci = workflows.get('ci.yml')!;
    expect(ci).toMatch(/^ {2}push:/m);
    expect(ci).toMatch(/^ {2}pull_request:/m);
    for (const step of ['npm ci', 'npm run lint', 'npm run typecheck', 'npx vitest run'])
      expect(ci).toContain(step);
    expect(ci).toContain('cloud-firestore-emulator,pubsub-emulator');
  });

  it('checks Terraform formatting and validates every environment and module', () => {
    const terraform = job(workflows.get('ci.yml')!, 'terraform');
    expect(terraform).toContain('terraform fmt -check -recursive');
    expect(terraform).toContain('init -backend=false');
    expect(terraform).toMatch(/terraform -chdir="\$dir" validate/);
    expect(terraform).toContain('terraform/environments/* terraform/modules/*');
  });
});

describe('deploy.yml', () => {
  it('runs by hand and on version tags, dev before prod', () => {
    const deploy = workflows.get('deploy.yml')!;
    expect(deploy).toContain('workflow_dispatch:');
    expect(deploy).toMatch(/tags: \["v\*"\]/);
    expect(job(deploy, 'prod')).toContain('needs: dev');
    expect(job(deploy, 'dev')).toContain('id-token: write');
    expect(job(deploy, 'prod')).toContain('id-token: write');
  });

  it('authenticates with Workload Identity Federation, never a JSON key', () => {
    const all = [...workflows.values()].join('\n');
    expect(all).not.toMatch(/credentials_json|GOOGLE_APPLICATION_CREDENTIALS|GCP_SA_KEY/);
    const env = workflows.get('deploy-environment.yml')!;
    const auths = [
      ...env.matchAll(/uses: google-github-actions\/auth@v\d+\n\s+with:\n\s+workload_identity_provider:/g),
    ];
    expect(auths).toHaveLength(2);
  });

  it('plans, then applies that plan behind the environment (approval for prod)', () => {
    const env = workflows.get('deploy-environment.yml')!;
    expect(job(env, 'plan')).toMatch(/plan -out=tfplan/);
    expect(job(env, 'plan')).not.toContain('environment:');
    const apply = job(env, 'apply');
    expect(apply).toContain('needs: plan');
    expect(apply).toContain(`environment: \${{ inputs.environment }}`);
    expect(apply).toContain('apply tfplan');
  });

  it('uploads the models and smoke-tests every /health the environment outputs', async () => {
    const apply = job(workflows.get('deploy-environment.yml')!, 'apply');
    expect(apply).toMatch(/gcloud storage rsync --recursive models "gs:\/\/\$\{bucket\}\/models"/);
    expect(apply).toContain('output -json health_urls');
    expect(apply).toContain('curl --fail');
    for (const env of ['dev', 'prod']) {
      const outputs = await readFile(join(ROOT, 'terraform/environments', env, 'outputs.tf'), 'utf8');
      expect(outputs).toContain('output "health_urls"');
      expect(outputs).toContain('output "buckets"');
    }
  });
});
