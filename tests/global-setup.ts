/**
 * One real Postgres for the whole unit-test run: DATABASE_URL when given, otherwise a fresh
 * embedded server under .data-test. Migrations run once into a template database; each test
 * file clones it (see tests/db.ts), so files run in parallel without sharing rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb } from '../lib/db/client';
import { ensureEmbedded, stopEmbedded } from '../lib/db/embedded';
import { runMigrations } from '../lib/db/migrate';

const TEMPLATE = 'ofm_test_template';
// Per run, so that several test runs on one machine never share a server.
const root = path.resolve('.data-test', String(process.pid));

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  process.env.OFM_KEEP_DB = '1';
  let adminUrl = process.env.DATABASE_URL;
  let embedded = false;
  if (!adminUrl) {
    await stopEmbedded(root).catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
    adminUrl = (await ensureEmbedded(root)).url;
    embedded = true;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const stale = await admin.query<{ datname: string }>("select datname from pg_database where datname like 'ofm_t_%' or datname = $1", [TEMPLATE]);
  for (const r of stale.rows) await admin.query(`drop database if exists "${r.datname}" with (force)`);
  await admin.query(`create database ${TEMPLATE}`);
  const url = new URL(adminUrl);
  url.pathname = `/${TEMPLATE}`;
  const db = createDb(url.toString(), 2);
  await runMigrations(db);
  await db.$client.end();
  await admin.end();
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', TEMPLATE);
  return async () => {
    if (embedded) {
      await stopEmbedded(root);
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}
