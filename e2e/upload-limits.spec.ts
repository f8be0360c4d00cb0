import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { expect, test, type Page } from '@playwright/test';
import { DEMO, signIn } from './sign-in';

/**
 * Uploads through the real server (`npm start`, its proxy and the route): a file far over Next's 10 MB proxy body
 * limit arrives whole, several uploads at once each load their own file, and a body cut short is a failed batch.
 */
const PORT = Number(process.env.E2E_PORT ?? 3100);
const stamp = Date.now().toString(36);
const pad = '备注'.repeat(900); // ~5.4 KB of UTF-8 a record: 200 MB in ~38k records

function institution(k: string, i: number) {
  return JSON.stringify({ region_code: '140500', fixmedins_code: `UL-${stamp}-${k}-${i}`, fixmedins_name: `上传测试机构${i}`, hosp_lv: '3', fixmedins_type: 'hospital', note: pad });
}

async function writeNdjson(file: string, k: string, rows: number) {
  async function* lines() {
    for (let i = 0; i < rows; i++) yield `${institution(k, i)}\n`;
  }
  await pipeline(Readable.from(lines()), fs.createWriteStream(file));
}

async function sessionCookie(page: Page): Promise<string> {
  const c = (await page.context().cookies()).find((x) => x.name === 'ofm_session');
  if (!c) throw new Error('no session cookie');
  return `ofm_session=${c.value}`;
}

/** POSTs a file as the import page does (raw body, Content-Length); `cutAt` sends only that many bytes, then drops the connection. */
function post(cookie: string, file: string, name: string, cutAt?: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const size = fs.statSync(file).size;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: 'localhost', port: PORT, method: 'POST', path: `/api/ingest?name=${encodeURIComponent(name)}`, headers: { cookie, 'content-length': String(size), 'content-type': 'application/octet-stream' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      },
    );
    req.on('error', (e) => (cutAt === undefined ? reject(e) : resolve({ status: 0, body: {} })));
    const input = fs.createReadStream(file, cutAt === undefined ? {} : { end: cutAt - 1 });
    input.pipe(req, { end: cutAt === undefined });
    if (cutAt !== undefined) input.on('end', () => setTimeout(() => req.destroy(), 300));
  });
}

async function waitBatch(page: Page, id: unknown): Promise<Record<string, unknown>> {
  for (;;) {
    const r = await page.request.get(`/api/ingest/${String(id)}`);
    const b = (await r.json()) as Record<string, unknown>;
    if (b.status !== 'running') return b;
    await new Promise((res) => setTimeout(res, 1000));
  }
}

test('a 200 MB upload arrives whole while nine small ones load their own files', async ({ page }) => {
  test.setTimeout(900_000);
  await signIn(page, DEMO.admin);
  const cookie = await sessionCookie(page);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-e2e-upload-'));
  try {
    const bigRows = 38_000;
    const big = path.join(dir, 'big.ndjson');
    await writeNdjson(big, 'big', bigRows);
    expect(fs.statSync(big).size).toBeGreaterThan(200 * 1024 * 1024);
    const small: string[] = [];
    for (let k = 0; k < 9; k++) {
      const f = path.join(dir, `small-${k}.ndjson`);
      await writeNdjson(f, `s${k}`, 50 + k);
      small.push(f);
    }

    const bigPost = post(cookie, big, 'big.ndjson');
    const smallPosts = small.map((f, k) => post(cookie, f, `small-${k}.ndjson`));
    const responses = await Promise.all([bigPost, ...smallPosts]);
    for (const r of responses) expect(r.status).toBe(202);
    const batches = [];
    for (const r of responses) batches.push(await waitBatch(page, r.body.id));
    expect(batches[0]).toMatchObject({ status: 'done', kind: 'institutions', rows: bigRows, inserted: bigRows, rejected: 0 });
    batches.slice(1).forEach((b, k) => expect(b).toMatchObject({ status: 'done', kind: 'institutions', rows: 50 + k, inserted: 50 + k, rejected: 0 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a body that ends before its Content-Length is a failed batch, never a loaded one', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-e2e-upload-'));
  try {
    const file = path.join(dir, 'cut.ndjson');
    await writeNdjson(file, 'cut', 400);
    await signIn(page, DEMO.admin);
    const cookie = await sessionCookie(page);
    const name = `cut-${stamp}.ndjson`;
    await post(cookie, file, name, Math.floor(fs.statSync(file).size / 2));
    // the batch was created before the body was read; it ends failed with a message naming the cut
    let batch: Record<string, unknown> | undefined;
    await expect
      .poll(
        async () => {
          const r = await page.request.get(`/api/ingest?name=${encodeURIComponent(name)}`);
          const list = (await r.json()) as { batches: Array<Record<string, unknown>> };
          batch = list.batches[0];
          return batch?.status;
        },
        { timeout: 30_000 },
      )
      .toBe('failed');
    expect(String(batch?.message)).toMatch(/上传(不完整|中断)/);
    expect(batch?.inserted).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('nine uploads made while a CLI ingest runs each load their own file', async ({ page }) => {
  test.setTimeout(900_000);
  await signIn(page, DEMO.admin);
  const cookie = await sessionCookie(page);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-e2e-upload-'));
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      // the CLI joins the app's embedded database through its DATA_DIR, as a person at the server would
      const child = spawn(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...args], {
        env: { ...process.env, DATA_DIR: process.env.E2E_DATA_DIR ?? '.data-e2e', DATABASE_URL: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code, err }));
    });
  try {
    const gen = path.join(dir, 'gen');
    expect((await cli(['generate', '--persons', '3000', '--months', '12', '--seed', '24', '--out', gen])).code).toBe(0);
    const running = cli(['ingest', ...['institutions', 'doctors', 'settlements', 'details'].map((k) => path.join(gen, `${k}.ndjson`))]);
    // the uploads arrive while the CLI holds the load (they wait for it, then load)
    await new Promise((r) => setTimeout(r, 3000));
    const files: string[] = [];
    for (let k = 0; k < 9; k++) {
      const f = path.join(dir, `during-${k}.ndjson`);
      await writeNdjson(f, `d${k}`, 20 + k);
      files.push(f);
    }
    const responses = await Promise.all(files.map((f, k) => post(cookie, f, `during-${k}.ndjson`)));
    for (const r of responses) expect(r.status).toBe(202);
    const batches = [];
    for (const r of responses) batches.push(await waitBatch(page, r.body.id));
    const cliResult = await running;
    expect(cliResult.err).toBe('');
    expect(cliResult.code).toBe(0);
    batches.forEach((b, k) => expect(b).toMatchObject({ status: 'done', kind: 'institutions', rows: 20 + k, inserted: 20 + k, rejected: 0 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
