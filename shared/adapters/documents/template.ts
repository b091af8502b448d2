/**
 * A template data dir for the embedded store. initdb is most of what a new PGlite data dir costs
 * (~2 s of its 2–4 s first open, BENCHMARKS.md), and a Postgres data dir can be copied to another
 * place. So the build makes one initialised, empty database per PGlite version
 * (`scripts/store-template.ts`, into `dist/store-template/`), and a new, empty data dir starts as a copy
 * of it. A missing or stale template only means the slow path: initdb.
 *
 * The template holds only the `postgres` database, the one PGlite serves: Postgres's `template0` and
 * `template1` are the sources of `CREATE DATABASE`, which vigil never runs, and dropping them leaves
 * 376 of 976 files (25 of 39 MB); the copy into a new data dir went from 280–340 to 60–75 ms
 * (BENCHMARKS.md, session 9). A data dir made without the template (initdb) keeps all three.
 *
 * Layout: `<template>/data/` (the data dir) and `<template>/template.json`
 * (`{ "pglite": version, "format": TEMPLATE_FORMAT }`).
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const DATA = 'data';
const STAMP = 'template.json';
/** What a template holds; a template stamped with another format is remade by the next build. 2: `postgres` only. */
export const TEMPLATE_FORMAT = 2;

/** The installed PGlite's version (its package.json does not export itself, so it is found on disk). */
export function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (name === '@electric-sql/pglite' && version) return version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the @electric-sql/pglite package.json was not found');
    dir = parent;
  }
}

/** The data dir inside a template. */
export function templateDataDir(templateDir: string): string {
  return join(templateDir, DATA);
}

/** True when `templateDir` holds a complete template of this format, made with the installed PGlite. */
export function templateUsable(templateDir: string): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(templateDir, STAMP), 'utf8')) as {
      pglite?: unknown;
      format?: unknown;
    };
    return (
      stamp.pglite === pgliteVersion() &&
      stamp.format === TEMPLATE_FORMAT &&
      existsSync(join(templateDir, DATA, 'PG_VERSION'))
    );
  } catch {
    return false;
  }
}

/** Marks a template as complete; written last, so a half-made template is never used. */
export function stampTemplate(templateDir: string): void {
  writeFileSync(
    join(templateDir, STAMP),
    `${JSON.stringify({ pglite: pgliteVersion(), format: TEMPLATE_FORMAT })}\n`,
  );
}

/**
 * Copies the template's database to `dataDir` (which must not exist yet, or be empty) when the
 * template is usable; returns whether it did. Synchronous: it runs on the store's own thread, just
 * before the open, and `cpSync` is 2–3× faster there than the promise version.
 */
export function seedDataDir(dataDir: string, templateDir: string): boolean {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) return false;
  if (!templateUsable(templateDir)) return false;
  cpSync(join(templateDir, DATA), dataDir, { recursive: true });
  return true;
}
