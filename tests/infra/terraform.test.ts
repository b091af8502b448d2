/** Terraform, checked offline: structure parsed with @cdktf/hcl2json, and terraform fmt when installed. */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bucketsWithoutUniformAccess,
  type DiscoveredFunction,
  discoverFunctions,
  envGuards,
  filesIn,
  forbiddenGrants,
  functionCoverage,
  loadTerraform,
  moduleInstances,
  parseTerraform,
  plainSecrets,
  ROOT,
  referencedTopics,
  subscriptionsWithoutDeadLetter,
  TERRAFORM_DIR,
  type TfFile,
  undeclaredTfvars,
  undescribedOutputs,
  untypedVariables,
  wiringProblems,
} from './terraform.js';

/**
 * Functions that already have Terraform instances while their code is still being written. The
 * coverage check tolerates an instance without a functions/<name>/index.ts only for these; drop an
 * entry once the function exists (the check then holds it to its registered kind).
 */
const PLANNED: Record<string, string> = {
  'model-server': 'GPU Open Inference Protocol V2 server for CLIP/BERT (modules/gpu-service)',
};

const MODULES = ['http-function', 'event-function', 'gpu-service', 'data', 'observability', 'stack'];
const ENVIRONMENTS = ['dev', 'prod'];
/** The module every environment instantiates once, as module "vigil": the whole composition. */
const STACK = 'modules/stack';

let files: TfFile[];
let functions: DiscoveredFunction[];
const inDir = (dir: string) => files.filter((f) => f.path.startsWith(`terraform/${dir}/`));
/** Module instances of the stack: the functions, data, observability. */
const stackInstances = () => inDir(STACK).flatMap(moduleInstances);

beforeAll(async () => {
  [files, functions] = await Promise.all([loadTerraform(), discoverFunctions()]);
});

describe('Terraform layout', () => {
  it.each(MODULES)(
    'module %s has main, variables, outputs and versions pinning google ~> 6',
    async (name) => {
      for (const part of ['main', 'variables', 'outputs', 'versions']) {
        expect(existsSync(join(TERRAFORM_DIR, 'modules', name, `${part}.tf`)), `${name}/${part}.tf`).toBe(
          true,
        );
      }
      const versions = inDir(`modules/${name}`).find((f) => f.path.endsWith('versions.tf'))!;
      const providers = JSON.stringify(versions.json.terraform);
      expect(providers).toContain('hashicorp/google');
      expect(providers).toContain('~> 6.');
    },
  );

  it.each(ENVIRONMENTS)('environment %s has a gcs backend, an example tfvars and every file', async (env) => {
    for (const part of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'terraform.tfvars.example']) {
      expect(existsSync(join(TERRAFORM_DIR, 'environments', env, part)), `${env}/${part}`).toBe(true);
    }
    const backend = inDir(`environments/${env}`).flatMap((f) => f.json.terraform ?? [])[0]?.backend as
      | Record<string, Array<Record<string, unknown>>>
      | undefined;
    expect(backend?.gcs?.[0]?.prefix).toBe(`vigil/${env}`);
  });

  it.each(ENVIRONMENTS)(
    'environment %s is thin: provider, backend and one module "vigil" from modules/stack',
    (env) => {
      const root = inDir(`environments/${env}`);
      const instances = root.flatMap(moduleInstances);
      expect(instances.map((i) => `${i.name}:${String(i.body.source)}`)).toEqual([
        'vigil:../../modules/stack',
      ]);
      expect(instances[0]!.body.environment, 'the stack is told which environment it is').toBe(env);
      expect(
        root.flatMap((f) => Object.keys(f.json.resource ?? {})),
        'resources live in the stack',
      ).toEqual([]);
      expect(root.flatMap((f) => Object.keys(f.json.provider ?? {}))).toEqual(['google']);
    },
  );

  it('dev and prod set the same stack inputs and declare the same variables and outputs', async () => {
    const vigil = (env: string) => inDir(`environments/${env}`).flatMap(moduleInstances)[0]!;
    expect(Object.keys(vigil('prod').body).sort()).toEqual(Object.keys(vigil('dev').body).sort());
    for (const part of ['variables.tf', 'outputs.tf']) {
      const text = (env: string) => readFile(join(TERRAFORM_DIR, 'environments', env, part), 'utf8');
      expect(await text('prod'), part).toBe(await text('dev'));
    }
  });

  it.each([...ENVIRONMENTS.map((e) => `environments/${e}`), ...MODULES.map((m) => `modules/${m}`)])(
    '%s: every var, local, module and module output it references is declared, every module input is set',
    (dir) => {
      const here = filesIn(files, `terraform/${dir}`);
      expect(here.length).toBeGreaterThan(0);
      expect(wiringProblems(here, files)).toEqual([]);
    },
  );

  it.each(ENVIRONMENTS)(
    '%s: terraform.tfvars.example sets only declared variables, and every required one',
    async (env) => {
      const path = join(TERRAFORM_DIR, 'environments', env, 'terraform.tfvars.example');
      const tfvars = (await parseTerraform(path, await readFile(path, 'utf8'))) as Record<string, unknown>;
      const root = inDir(`environments/${env}`);
      expect(undeclaredTfvars(tfvars, root)).toEqual([]);
      const required = root.flatMap((f) =>
        Object.entries(f.json.variable ?? {})
          .filter(([, [body]]) => !('default' in (body ?? {})))
          .map(([name]) => name),
      );
      for (const name of required) expect(tfvars, `${env} example sets ${name}`).toHaveProperty(name);
    },
  );
});

describe('functions and their instances', () => {
  it('discovers the registered functions with their kind', () => {
    expect(functions.length).toBeGreaterThanOrEqual(3);
    expect(functions).toContainEqual({ folder: 'auth', entryPoint: 'auth', kind: 'http' });
    for (const fn of functions) expect(fn.entryPoint, 'entry point = folder (--source path)').toBe(fn.folder);
  });

  it('the stack has an instance of the right kind for every function, and nothing else runs', () => {
    expect(functionCoverage(functions, inDir(STACK), PLANNED)).toEqual([]);
  });

  it.each(ENVIRONMENTS)('%s deploys those instances: it instantiates the stack', (env) => {
    const stacks = inDir(`environments/${env}`)
      .flatMap(moduleInstances)
      .filter((i) => i.module === 'stack');
    expect(stacks.map((i) => i.name)).toEqual(['vigil']);
    // No function module outside the stack, where the coverage check would not see it.
    expect(functionCoverage([], inDir(`environments/${env}`), {})).toEqual([]);
  });

  it('every event trigger reaches a CloudEvent entry point and a declared topic', () => {
    const instances = stackInstances();
    const data = instances.find((i) => i.module === 'data')!;
    const topics = data.body.topics as string[];
    const cloudEvents = new Set(functions.filter((f) => f.kind === 'cloudEvent').map((f) => f.entryPoint));
    const events = instances.filter((i) => i.module === 'event-function');
    expect(events.map((e) => e.entryPoint).sort()).toEqual(['drift-check', 'on-dataset-upload', 'retrain']);
    for (const fn of events) {
      const entry = fn.entryPoint!;
      expect(cloudEvents.has(entry) || entry in PLANNED, `${entry} is a CloudEvent function`).toBe(true);
      const triggers = fn.body.triggers as Record<string, Record<string, string>>;
      expect(Object.keys(triggers).length, `${entry} has triggers`).toBeGreaterThan(0);
      for (const [key, trigger] of Object.entries(triggers)) {
        if (trigger.kind === 'storage') {
          expect(trigger.bucket, `${entry}.${key}`).toMatch(/^\$\{module\.data\.buckets\.\w+\}$/);
          expect(trigger.path_prefix, `${entry}.${key}`).toMatch(/^[a-z]+\/$/);
        } else {
          expect(trigger.kind, `${entry}.${key}`).toBe('pubsub');
          const refs = referencedTopics(trigger);
          expect(refs.length, `${entry}.${key} names its topic and dead-letter topic`).toBe(2);
          for (const topic of refs) expect(topics, `${entry}.${key}`).toContain(topic);
        }
      }
    }
  });

  it('triggers are the ones each event function declares in code', async () => {
    const { EVENT_FUNCTIONS } = await import('../../functions/registry.js');
    const instances = stackInstances();
    for (const [name, load] of Object.entries(EVENT_FUNCTIONS)) {
      const declared = (await load()).triggers.map((t) =>
        t.kind === 'storage' ? `storage:${t.prefix}` : `pubsub:${t.topic}`,
      );
      const instance = instances.find((i) => i.entryPoint === name);
      const triggers = Object.values(
        (instance?.body.triggers ?? {}) as Record<string, Record<string, string>>,
      );
      const deployed = triggers.map((t) =>
        t.kind === 'storage' ? `storage:${t.path_prefix}` : `pubsub:${referencedTopics(t)[0]}`,
      );
      expect(deployed.sort(), name).toEqual(declared.sort());
    }
  });

  it('the drift schedule publishes to the topic drift-check subscribes to', () => {
    const instances = stackInstances();
    const schedule = instances.find((i) => i.module === 'data')!.body.drift_schedule as Record<
      string,
      string
    >;
    const drift = instances.find((i) => i.entryPoint === 'drift-check')!;
    expect(referencedTopics(drift.body.triggers)).toContain(schedule.topic);
  });

  it('modules start the entry point they are given', async () => {
    const http = await readFile(join(TERRAFORM_DIR, 'modules/http-function/main.tf'), 'utf8');
    expect(http).toContain('["dist/server/serve.js", var.entry_point]');
    const event = await readFile(join(TERRAFORM_DIR, 'modules/event-function/main.tf'), 'utf8');
    expect(event).toContain(`"--target=\${var.entry_point}"`);
    expect(event).toContain(`"--source=dist/functions/\${var.entry_point}/index.js"`);
    expect(event).toContain('"--signature-type=cloudevent"');
    expect(existsSync(join(ROOT, 'scripts/serve.ts'))).toBe(true);
  });

  it('the stack outputs the URL of every function', async () => {
    const outputs = await readFile(join(TERRAFORM_DIR, STACK, 'outputs.tf'), 'utf8');
    const instances = stackInstances();
    expect(instances.filter((i) => i.module.endsWith('-function')).length).toBeGreaterThanOrEqual(7);
    for (const i of instances) {
      if (i.module === 'http-function' || i.module === 'event-function') {
        expect(outputs, `module.${i.name}.url`).toContain(`module.${i.name}.url`);
      }
      if (i.module === 'gpu-service') expect(outputs).toContain(`module.${i.name}[*].url`);
    }
  });

  it.each(ENVIRONMENTS)('%s re-exports every output of the stack', (env) => {
    const stack = Object.keys(filesIn(files, `terraform/${STACK}`).find((f) => f.json.output)!.json.output!);
    expect(stack).toEqual(expect.arrayContaining(['function_urls', 'health_urls', 'event_function_urls']));
    const outputs = inDir(`environments/${env}`).flatMap((f) => Object.entries(f.json.output ?? {}));
    const exported = Object.fromEntries(outputs.map(([name, [body]]) => [name, body?.value]));
    for (const name of stack) expect(exported[name], name).toBe(`\${module.vigil.${name}}`);
  });
});

describe('Terraform rules', () => {
  it('every variable has a type and a description, every output a description', () => {
    expect(untypedVariables(files)).toEqual([]);
    expect(undescribedOutputs(files)).toEqual([]);
  });

  it('module variables use optional() defaults and validation blocks', () => {
    for (const name of MODULES) {
      const variables = inDir(`modules/${name}`).find((f) => f.path.endsWith('variables.tf'))!;
      const text = JSON.stringify(variables.json.variable);
      expect(text, name).toContain('optional(');
      expect(text, name).toContain('"validation"');
    }
  });

  it('grants no roles/owner or roles/editor, and IAM only additively', () => {
    expect(forbiddenGrants(files)).toEqual([]);
  });

  it('every bucket has uniform access and enforced public access prevention', () => {
    const buckets = files.flatMap((f) => Object.keys(f.json.resource?.google_storage_bucket ?? {}));
    expect(buckets.length).toBeGreaterThan(0);
    expect(bucketsWithoutUniformAccess(files)).toEqual([]);
  });

  it('every Pub/Sub subscription has a dead-letter policy and a retry policy', () => {
    const subscriptions = files.flatMap((f) =>
      Object.keys(f.json.resource?.google_pubsub_subscription ?? {}),
    );
    expect(subscriptions).toContain('push');
    expect(subscriptionsWithoutDeadLetter(files)).toEqual([]);
  });

  it('secrets never appear as plain env values', async () => {
    expect(plainSecrets(files)).toEqual([]);
    for (const name of ['http-function', 'event-function', 'gpu-service']) {
      const variables = inDir(`modules/${name}`).find((f) => f.path.endsWith('variables.tf'))!;
      expect(envGuards(variables)).toEqual([]);
    }
    for (const env of ENVIRONMENTS) {
      const example = await readFile(
        join(TERRAFORM_DIR, 'environments', env, 'terraform.tfvars.example'),
        'utf8',
      );
      expect(example).not.toMatch(/VIGIL_(JWT_SECRET|JWT_PRIVATE_KEY|BOOTSTRAP_API_KEY)|PRIVATE KEY/);
    }
  });
});

describe('the checks reject bad Terraform', () => {
  const BAD = `
variable "untyped" {}
variable "undescribed" {
  type = string
}
resource "google_project_iam_member" "boss" {
  project = "p"
  role    = "roles/owner"
  member  = "user:someone@example.com"
}
resource "google_project_iam_binding" "replacing" {
  project = "p"
  role    = "roles/run.invoker"
  members = []
}
module "helper" {
  source        = "../../modules/http-function"
  entry_point   = "auth"
  project_roles = ["roles/editor"]
  env           = { VIGIL_JWT_SECRET = "hunter2-hunter2-hunter2-hunter2-hunter2" }
  secret_env    = { VIGIL_BOOTSTRAP_API_KEY = "vk_plain" }
}
module "ghost" {
  source      = "../../modules/event-function"
  entry_point = "ghost"
}
module "toxicity_as_event" {
  source      = "../../modules/event-function"
  entry_point = "toxicity"
}
locals {
  leaked = { VIGIL_JWT_PRIVATE_KEY = var.pem }
  sneaky = var.on ? { VIGIL_JWT_SECRET = var.secret } : {}
}
resource "google_storage_bucket" "open" {
  name     = "x"
  location = "EU"
}
resource "google_pubsub_subscription" "lossy" {
  name  = "s"
  topic = "t"
}
resource "google_pubsub_subscription" "half" {
  name  = "h"
  topic = google_pubsub_topic.this["t"].id
  dead_letter_policy {
    dead_letter_topic = "d"
  }
}
resource "google_cloud_run_v2_service" "leaky" {
  name     = "l"
  location = "r"
  template {
    containers {
      image = "i:1"
      env {
        name  = "VIGIL_JWT_PRIVATE_KEY"
        value = "-----BEGIN PRIVATE KEY-----"
      }
    }
  }
}
`;
  let bad: TfFile[];
  beforeAll(async () => {
    bad = [{ path: 'bad.tf', json: await parseTerraform('bad.tf', BAD) }];
  });

  it('finds untyped and undescribed variables', () => {
    expect(untypedVariables(bad).sort()).toEqual([
      'bad.tf: variable "undescribed" has no description',
      'bad.tf: variable "untyped" has no description',
      'bad.tf: variable "untyped" has no type',
    ]);
  });

  it('finds owner and editor grants and policy-replacing IAM', () => {
    const problems = forbiddenGrants(bad).join('\n');
    expect(problems).toContain('roles/owner');
    expect(problems).toContain('roles/editor');
    expect(problems).toContain('google_project_iam_binding');
  });

  it('finds buckets without uniform access and subscriptions without dead letters', () => {
    expect(bucketsWithoutUniformAccess(bad)).toHaveLength(2);
    const problems = subscriptionsWithoutDeadLetter(bad);
    expect(problems.filter((p) => p.includes('.lossy '))).toHaveLength(2);
    expect(problems).toContain('bad.tf: google_pubsub_subscription.half has no complete dead_letter_policy');
  });

  it('finds secrets passed as plain values', () => {
    const problems = plainSecrets(bad).join('\n');
    expect(problems).toContain('module.helper passes VIGIL_JWT_SECRET in env');
    expect(problems).toContain('secret_env.VIGIL_BOOTSTRAP_API_KEY: plain value');
    expect(problems).toContain('locals.leaked.VIGIL_JWT_PRIVATE_KEY: plain value');
    expect(problems).toContain('VIGIL_JWT_SECRET is assigned something other than');
    expect(problems).toContain('google_cloud_run_v2_service.leaky sets VIGIL_JWT_PRIVATE_KEY');
  });

  it('finds a missing module instance, a wrong kind and an unknown function', () => {
    const fns: DiscoveredFunction[] = [
      { folder: 'auth', entryPoint: 'auth', kind: 'http' },
      { folder: 'toxicity', entryPoint: 'toxicity', kind: 'http' },
      { folder: 'retrain', entryPoint: 'retrain', kind: 'cloudEvent' },
    ];
    expect(functionCoverage(fns, bad, {})).toEqual([
      'function "toxicity" is http but module.toxicity_as_event uses event-function',
      'function "retrain" (cloudEvent) has no module instance',
      'module.ghost runs "ghost", which is neither in functions/ nor planned',
    ]);
    expect(functionCoverage(fns, bad, { ghost: 'planned' })).not.toContain(
      'module.ghost runs "ghost", which is neither in functions/ nor planned',
    );
  });

  it('finds broken wiring between a module and the modules it calls', async () => {
    const tf = async (path: string, text: string): Promise<TfFile> => ({
      path,
      json: await parseTerraform(path, text),
    });
    const child = await tf(
      'terraform/modules/f/main.tf',
      `
variable "entry_point" {
  type        = string
  description = "d"
}
variable "image" {
  type        = string
  description = "d"
}
variable "opt" {
  type        = string
  description = "d"
  default     = "x"
}
output "url" {
  description = "d"
  value       = "u"
}
`,
    );
    const parent = await tf(
      'terraform/modules/s/main.tf',
      `
variable "name" {
  type        = string
  description = "d"
}
locals {
  x = var.name
}
module "fn" {
  source      = "../f"
  entry_point = "auth"
  nmae        = var.nam
}
module "lost" {
  source = "../missing"
}
output "u" {
  description = "d"
  value       = module.fn.ulr
}
output "g" {
  description = "d"
  value       = module.ghost.url
}
output "l" {
  description = "d"
  value       = local.y
}
`,
    );
    expect(wiringProblems([parent], [parent, child]).sort()).toEqual(
      [
        'terraform/modules/s: module.fn sets "nmae", which terraform/modules/f does not declare',
        'terraform/modules/s: module.fn does not set the required variable "image"',
        'terraform/modules/s: module.lost source terraform/modules/missing has no .tf files',
        'terraform/modules/s: var.nam is not declared',
        'terraform/modules/s: local.y is not declared',
        'terraform/modules/s: module.fn.ulr is not an output of terraform/modules/f',
        'terraform/modules/s: module.ghost is not declared',
      ].sort(),
    );
    expect(undeclaredTfvars({ image: 'i:1', log_level: 'DEBUG' }, [child])).toEqual([
      'log_level is set but not declared',
    ]);
  });

  it('finds a function module an environment runs outside the stack', async () => {
    const env = await parseTerraform(
      'main.tf',
      'module "extra" {\n  source      = "../../modules/http-function"\n  entry_point = "toxicity"\n}\n',
    );
    expect(functionCoverage([], [{ path: 'main.tf', json: env }], {})).toEqual([
      'module.extra runs "toxicity", which is neither in functions/ nor planned',
    ]);
  });

  it('finds an env variable that does not refuse secrets', async () => {
    const json = await parseTerraform(
      'v.tf',
      'variable "env" {\n  type = map(string)\n  description = "d"\n  default = {}\n}\n',
    );
    expect(envGuards({ path: 'v.tf', json })).toHaveLength(4);
  });
});

const terraformBinary = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const hasTerraform = terraformBinary.status === 0;

describe('terraform fmt', () => {
  if (!hasTerraform) {
    if (process.env.CI === 'true') {
      it('terraform is installed in CI', () => {
        expect.fail('terraform is not on PATH; CI must install it (hashicorp/setup-terraform)');
      });
    } else {
      console.warn(
        'NOTICE: terraform is not on PATH; `terraform fmt -check -recursive terraform` is skipped.',
      );
    }
  }

  it.skipIf(!hasTerraform)('terraform fmt -check -recursive terraform is clean', () => {
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-list=true', 'terraform'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(fmt.stdout.trim(), 'files terraform fmt would change').toBe('');
    expect(fmt.status).toBe(0);
  });
});
