import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { CLI_NODE_ARGS } from '../lib/cli/node-args';
import { createDb, type Db } from '../lib/db/client';

/** A fresh, migrated database of its own for the calling test file, dropped after it. */
export async function testDatabase(): Promise<{ db: Db; url: string }> {
  const adminUrl = inject('pgAdminUrl');
  const name = `ofm_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${inject('pgTemplate')}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), 4);
  afterAll(async () => {
    await db.$client.end();
    const a = new pg.Client({ connectionString: adminUrl });
    await a.connect();
    await a.query(`drop database if exists ${name} with (force)`);
    await a.end();
  });
  return { db, url: url.toString() };
}

/** Runs the CLI as a user would, against the given database. */
export async function runCli(args: string[], opts: { url: string; input?: string | Buffer; env?: Record<string, string> }) {
  const { spawn } = await import('node:child_process');
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'lib/cli/main.ts', ...args], {
      env: { ...process.env, DATABASE_URL: opts.url, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
