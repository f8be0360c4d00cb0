/**
 * `npm test`: lint, typecheck, unit tests (vitest, real Postgres), browser journeys (Playwright).
 * Every stage runs even when an earlier one failed, so one run reports everything; the last line is
 * the combined count in the plain form CI reads: "tests: N passed, N failed, N skipped".
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const reports = path.resolve('.test-reports');
fs.rmSync(reports, { recursive: true, force: true });
fs.mkdirSync(reports, { recursive: true });

const bin = (name: string) => path.resolve('node_modules/.bin', name);
const stages: Array<{ name: string; cmd: string; args: string[] }> = [
  { name: 'lint', cmd: bin('eslint'), args: ['--max-warnings=0', '.'] },
  { name: 'typecheck', cmd: bin('tsc'), args: ['--noEmit'] },
  { name: 'unit', cmd: bin('vitest'), args: ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${path.join(reports, 'unit.json')}`] },
  { name: 'e2e', cmd: bin('playwright'), args: ['test'] },
];

const failedStages: string[] = [];
for (const s of stages) {
  const t = Date.now();
  console.log(`\n=== ${s.name} ===`);
  const r = spawnSync(s.cmd, s.args, { stdio: 'inherit', env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: path.join(reports, 'e2e.json') } });
  console.log(`=== ${s.name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - t) / 1000).toFixed(0)} s ===`);
  if (r.status !== 0) failedStages.push(s.name);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const unitFile = path.join(reports, 'unit.json');
if (fs.existsSync(unitFile)) {
  const u = JSON.parse(fs.readFileSync(unitFile, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  passed += u.numPassedTests;
  failed += u.numFailedTests;
  skipped += u.numPendingTests + u.numTodoTests;
}
const e2eFile = path.join(reports, 'e2e.json');
if (fs.existsSync(e2eFile)) {
  const e = JSON.parse(fs.readFileSync(e2eFile, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
  passed += e.stats.expected + e.stats.flaky;
  failed += e.stats.unexpected;
  skipped += e.stats.skipped;
}
// A failed lint or typecheck counts as a failed check, so the total can never read as green.
failed += failedStages.filter((s) => s === 'lint' || s === 'typecheck').length;
if (failedStages.length) console.log(`failed stages: ${failedStages.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedStages.length ? 1 : 0);
