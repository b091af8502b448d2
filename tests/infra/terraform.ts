/**
 * Offline checks of the Terraform in terraform/: every .tf file parsed to JSON with @cdktf/hcl2json,
 * and pure functions that list problems, so tests can feed them synthetic bad modules too.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, posix, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const ROOT = join(import.meta.dirname, '..', '..');
export const TERRAFORM_DIR = join(ROOT, 'terraform');

/** Environment variables that only ever come from Secret Manager (docs/CONFIGURATION.md). */
export const SECRET_ENV_NAMES = [
  'VIGIL_JWT_SECRET',
  'VIGIL_JWT_PRIVATE_KEY',
  'VIGIL_BOOTSTRAP_API_KEY',
  'VIGIL_BLOB_SIGNING_KEY',
] as const;

export const FORBIDDEN_ROLES = ['roles/owner', 'roles/editor'] as const;

/** The module a function's kind must be deployed with; a GPU service is an HTTP function too. */
export const MODULES_FOR_KIND: Record<FunctionKind, readonly string[]> = {
  http: ['http-function', 'gpu-service'],
  cloudEvent: ['event-function'],
};

type Json = unknown;
type Block = Record<string, Json>;

/** hcl2json's shape: labelled blocks are maps of arrays of bodies. */
export interface TfJson {
  variable?: Record<string, Block[]>;
  output?: Record<string, Block[]>;
  locals?: Block[];
  module?: Record<string, Block[]>;
  resource?: Record<string, Record<string, Block[]>>;
  data?: Record<string, Record<string, Block[]>>;
  terraform?: Block[];
  provider?: Record<string, Block[]>;
}

export interface TfFile {
  /** Path relative to the repository root. */
  path: string;
  json: TfJson;
}

export type FunctionKind = 'http' | 'cloudEvent';

export interface DiscoveredFunction {
  /** Folder under functions/. */
  folder: string;
  /** Name registered with the Functions Framework: the entry point (--target). */
  entryPoint: string;
  kind: FunctionKind;
}

export interface ModuleInstance {
  file: string;
  name: string;
  /** Last segment of `source`, e.g. http-function. */
  module: string;
  entryPoint: string | undefined;
  body: Block;
}

export async function parseTerraform(path: string, text: string): Promise<TfJson> {
  return (await parse(path, text)) as TfJson;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((e) => !e.name.startsWith('.'))
      .map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat().sort();
}

/** Every .tf file under `dir`, parsed. */
export async function loadTerraform(dir = TERRAFORM_DIR): Promise<TfFile[]> {
  const paths = (await walk(dir)).filter((p) => p.endsWith('.tf'));
  return Promise.all(
    paths.map(async (p) => ({
      path: relative(ROOT, p),
      json: await parseTerraform(p, await readFile(p, 'utf8')),
    })),
  );
}

const REGISTRATION = /functions\.(http|cloudEvent)\(\s*['"]([^'"]+)['"]/g;

/** Functions as registered in functions/<folder>/index.ts with functions.http / functions.cloudEvent. */
export async function discoverFunctions(
  functionsDir = join(ROOT, 'functions'),
): Promise<DiscoveredFunction[]> {
  const found: DiscoveredFunction[] = [];
  for (const entry of await readdir(functionsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let source: string;
    try {
      source = await readFile(join(functionsDir, entry.name, 'index.ts'), 'utf8');
    } catch {
      continue;
    }
    for (const match of source.matchAll(REGISTRATION)) {
      found.push({ folder: entry.name, kind: match[1] as FunctionKind, entryPoint: match[2]! });
    }
  }
  return found.sort((a, b) => a.entryPoint.localeCompare(b.entryPoint));
}

export function moduleInstances(file: TfFile): ModuleInstance[] {
  return Object.entries(file.json.module ?? {}).flatMap(([name, bodies]) =>
    bodies.map((body) => ({
      file: file.path,
      name,
      module: basename(String(body.source ?? '')),
      entryPoint: typeof body.entry_point === 'string' ? body.entry_point : undefined,
      body,
    })),
  );
}

export function resources(file: TfFile, type: string): Array<{ name: string; body: Block }> {
  return Object.entries(file.json.resource?.[type] ?? {}).flatMap(([name, bodies]) =>
    bodies.map((body) => ({ name, body })),
  );
}

/**
 * Problems between the functions in functions/ and the module instances of one environment:
 * a function without an instance, an instance of the wrong module kind, or an instance of a
 * function that does not exist and is not listed as planned.
 */
export function functionCoverage(
  functions: DiscoveredFunction[],
  environment: TfFile[],
  planned: Record<string, string>,
): string[] {
  const problems: string[] = [];
  const instances = environment
    .flatMap(moduleInstances)
    .filter((i) => ['http-function', 'event-function', 'gpu-service'].includes(i.module));
  for (const fn of functions) {
    const matches = instances.filter((i) => i.entryPoint === fn.entryPoint);
    if (matches.length === 0) {
      problems.push(`function "${fn.entryPoint}" (${fn.kind}) has no module instance`);
      continue;
    }
    for (const m of matches) {
      if (!MODULES_FOR_KIND[fn.kind].includes(m.module)) {
        problems.push(`function "${fn.entryPoint}" is ${fn.kind} but module.${m.name} uses ${m.module}`);
      }
    }
  }
  const known = new Set(functions.map((f) => f.entryPoint));
  for (const i of instances) {
    if (i.entryPoint === undefined) {
      problems.push(`module.${i.name} (${i.module}) has no literal entry_point`);
    } else if (!known.has(i.entryPoint) && !(i.entryPoint in planned)) {
      problems.push(`module.${i.name} runs "${i.entryPoint}", which is neither in functions/ nor planned`);
    }
  }
  return problems;
}

/** Every variable has a non-empty type and description. */
export function untypedVariables(files: TfFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const [name, bodies] of Object.entries(file.json.variable ?? {})) {
      for (const body of bodies) {
        if (typeof body.type !== 'string' || body.type === '')
          problems.push(`${file.path}: variable "${name}" has no type`);
        if (typeof body.description !== 'string' || body.description.trim() === '') {
          problems.push(`${file.path}: variable "${name}" has no description`);
        }
      }
    }
  }
  return problems;
}

/** Every output is described. */
export function undescribedOutputs(files: TfFile[]): string[] {
  return files.flatMap((file) =>
    Object.entries(file.json.output ?? {})
      .filter(([, bodies]) => bodies.some((b) => typeof b.description !== 'string' || b.description === ''))
      .map(([name]) => `${file.path}: output "${name}" has no description`),
  );
}

/** Strings anywhere in a value, except inside validation blocks (which list what is forbidden). */
function strings(value: Json, path: string[] = []): Array<{ path: string; value: string }> {
  if (typeof value === 'string') return [{ path: path.join('.'), value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .filter(([key]) => key !== 'validation')
      .flatMap(([key, v]) => strings(v, [...path, key]));
  }
  return [];
}

/** No roles/owner or roles/editor granted anywhere, and IAM only through additive *_iam_member. */
export function forbiddenGrants(files: TfFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const s of strings(file.json)) {
      for (const role of FORBIDDEN_ROLES) {
        if (new RegExp(`${role}(?![\\w.])`).test(s.value))
          problems.push(`${file.path}: ${role} at ${s.path}`);
      }
    }
    for (const type of Object.keys(file.json.resource ?? {})) {
      if (/_iam_(policy|binding)$/.test(type)) {
        problems.push(`${file.path}: ${type} replaces IAM; use the additive *_iam_member`);
      }
    }
  }
  return problems;
}

/** Every bucket has uniform bucket-level access and enforced public access prevention. */
export function bucketsWithoutUniformAccess(files: TfFile[]): string[] {
  return files.flatMap((file) =>
    resources(file, 'google_storage_bucket').flatMap(({ name, body }) => [
      ...(body.uniform_bucket_level_access === true
        ? []
        : [`${file.path}: google_storage_bucket.${name} lacks uniform_bucket_level_access = true`]),
      ...(body.public_access_prevention === 'enforced'
        ? []
        : [`${file.path}: google_storage_bucket.${name} lacks public_access_prevention = "enforced"`]),
    ]),
  );
}

function firstBlock(value: Json): Block | undefined {
  return Array.isArray(value) && value[0] && typeof value[0] === 'object' ? (value[0] as Block) : undefined;
}

/**
 * Every subscription has a dead-letter policy with a topic and an attempt limit. The one exemption
 * is a subscription that stores a dead-letter topic's messages: it is the end of the line.
 */
export function subscriptionsWithoutDeadLetter(files: TfFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const { name, body } of resources(file, 'google_pubsub_subscription')) {
      const topic = String(body.topic ?? '');
      if (/google_pubsub_topic\.dead_letter\b/.test(topic)) continue;
      const policy = firstBlock(body.dead_letter_policy);
      if (!policy || policy.dead_letter_topic === undefined || policy.max_delivery_attempts === undefined) {
        problems.push(`${file.path}: google_pubsub_subscription.${name} has no complete dead_letter_policy`);
      }
      if (!firstBlock(body.retry_policy)) {
        problems.push(`${file.path}: google_pubsub_subscription.${name} has no retry_policy`);
      }
    }
  }
  return problems;
}

const SECRET_KEY = new RegExp(`\\b(${SECRET_ENV_NAMES.join('|')})\\b`);
const SECRET_REFERENCE = new RegExp(`\\b(${SECRET_ENV_NAMES.join('|')})\\s*=(?!\\s*\\{\\s*secret\\s*=)`);

/**
 * Secrets never appear as plain values: a module's `env` never names one; wherever a secret name is a
 * key (locals, secret_env) its value is a { secret = <Secret Manager id> } reference; a container
 * `env` block naming one reads it from value_source.
 */
export function plainSecrets(files: TfFile[]): string[] {
  const problems: string[] = [];
  const checkKeyed = (where: string, value: Json): void => {
    if (typeof value === 'string') {
      const bad = SECRET_REFERENCE.exec(value);
      if (bad)
        problems.push(`${where}: ${bad[1]} is assigned something other than a { secret = ... } reference`);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        checkKeyed(`${where}[${i}]`, v);
      });
      return;
    }
    if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if ((SECRET_ENV_NAMES as readonly string[]).includes(key)) {
          const ref = v && typeof v === 'object' && !Array.isArray(v) ? (v as Block) : undefined;
          if (!ref || typeof ref.secret !== 'string')
            problems.push(`${where}.${key}: plain value for a secret`);
        } else {
          checkKeyed(`${where}.${key}`, v);
        }
      }
    }
  };

  for (const file of files) {
    for (const instance of moduleInstances(file)) {
      const env = JSON.stringify(instance.body.env ?? '');
      const named = SECRET_KEY.exec(env);
      if (named) problems.push(`${file.path}: module.${instance.name} passes ${named[1]} in env`);
      checkKeyed(`${file.path}: module.${instance.name}.secret_env`, instance.body.secret_env ?? {});
    }
    (file.json.locals ?? []).forEach((locals) => {
      checkKeyed(`${file.path}: locals`, locals);
    });
    for (const { name, body } of resources(file, 'google_cloud_run_v2_service')) {
      const containers = (firstBlock(body.template)?.containers ?? []) as Block[];
      for (const env of containers.flatMap((c) => (c.env ?? []) as Block[])) {
        if ((SECRET_ENV_NAMES as readonly string[]).includes(String(env.name)) && env.value !== undefined) {
          problems.push(
            `${file.path}: google_cloud_run_v2_service.${name} sets ${env.name} as a plain env value`,
          );
        }
      }
    }
  }
  return problems;
}

/** The env variable validation that keeps secrets out of `env` in a module's variables. */
export function envGuards(file: TfFile): string[] {
  const env = file.json.variable?.env?.[0];
  if (!env) return [];
  const conditions = JSON.stringify(env.validation ?? []);
  return SECRET_ENV_NAMES.filter((name) => !conditions.includes(name)).map(
    (name) => `${file.path}: variable "env" does not refuse ${name}`,
  );
}

/** Keys of module.data.topics["..."] / dead_letter_topics["..."] references in a string. */
export function referencedTopics(value: Json): string[] {
  return [...JSON.stringify(value).matchAll(/module\.data\.(?:dead_letter_)?topics\[\\"([^\\"]+)\\"\]/g)].map(
    (m) => m[1]!,
  );
}

/** Files directly in one directory (relative to the repository root, like TfFile.path). */
export function filesIn(files: TfFile[], dir: string): TfFile[] {
  const wanted = posix.normalize(dir);
  return files.filter((f) => posix.dirname(f.path) === wanted);
}

/** The directory a module instance's relative `source` points at, or undefined for a registry source. */
export function moduleDir(instance: ModuleInstance): string | undefined {
  const source = String(instance.body.source ?? '');
  if (!source.startsWith('./') && !source.startsWith('../')) return undefined;
  return posix.normalize(posix.join(posix.dirname(instance.file), source));
}

const declared = (files: TfFile[], block: 'variable' | 'output'): Map<string, Block> =>
  new Map(files.flatMap((f) => Object.entries(f.json[block] ?? {}).map(([name, b]) => [name, b[0] ?? {}])));

/** Arguments of a module block that are not input variables. */
const META_ARGUMENTS = new Set(['source', 'version', 'count', 'for_each', 'providers', 'depends_on']);

/**
 * What `terraform validate` would say about the wiring of one module directory, offline: every
 * var.X, local.X and module.M it references is declared; every module.M.O is an output of M's
 * source; every argument of a module block is a variable of that module, and every variable
 * without a default is set. `all` holds the files the relative sources resolve to.
 */
export function wiringProblems(dir: TfFile[], all: TfFile[]): string[] {
  const problems: string[] = [];
  const where = dir[0] ? posix.dirname(dir[0].path) : '(empty)';
  const variables = declared(dir, 'variable');
  const locals = new Set(dir.flatMap((f) => (f.json.locals ?? []).flatMap((l) => Object.keys(l))));
  const instances = new Map(dir.flatMap(moduleInstances).map((i) => [i.name, i]));
  const childOutputs = new Map<string, Map<string, Block> | undefined>();
  for (const [name, instance] of instances) {
    const path = moduleDir(instance);
    const child = path === undefined ? [] : filesIn(all, path);
    if (path !== undefined && child.length === 0) {
      problems.push(`${where}: module.${name} source ${path} has no .tf files`);
    }
    childOutputs.set(name, child.length > 0 ? declared(child, 'output') : undefined);
    if (child.length === 0) continue;
    const inputs = declared(child, 'variable');
    for (const argument of Object.keys(instance.body)) {
      if (!META_ARGUMENTS.has(argument) && !inputs.has(argument)) {
        problems.push(`${where}: module.${name} sets "${argument}", which ${path} does not declare`);
      }
    }
    for (const [input, body] of inputs) {
      if (!('default' in body) && !(input in instance.body)) {
        problems.push(`${where}: module.${name} does not set the required variable "${input}"`);
      }
    }
  }

  const text = JSON.stringify(dir.map((f) => f.json));
  for (const [, name] of text.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) {
    if (!variables.has(name!)) problems.push(`${where}: var.${name} is not declared`);
  }
  for (const [, name] of text.matchAll(/\blocal\.([A-Za-z_][\w-]*)/g)) {
    if (!locals.has(name!)) problems.push(`${where}: local.${name} is not declared`);
  }
  for (const [, name, output] of text.matchAll(
    /\bmodule\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_][\w-]*))?/g,
  )) {
    if (!instances.has(name!)) {
      problems.push(`${where}: module.${name} is not declared`);
      continue;
    }
    const outputs = childOutputs.get(name!);
    if (output !== undefined && outputs !== undefined && !outputs.has(output)) {
      problems.push(
        `${where}: module.${name}.${output} is not an output of ${moduleDir(instances.get(name!)!)}`,
      );
    }
  }
  return [...new Set(problems)];
}

/** Names a .tfvars file sets that the root does not declare as variables. */
export function undeclaredTfvars(tfvars: Record<string, unknown>, root: TfFile[]): string[] {
  const variables = declared(root, 'variable');
  return Object.keys(tfvars)
    .filter((name) => !variables.has(name))
    .map((name) => `${name} is set but not declared`);
}
