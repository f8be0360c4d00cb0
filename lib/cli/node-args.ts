/**
 * How the CLI's Node process is started, in one place: `npm run cli` (package.json, checked against this by
 * tests/ingest.test.ts), the bench's child processes and the tests that run the CLI as a user would.
 *
 * The heap budget: with Node's default (about 4 GB on a 24 GB machine) V8 lets a streaming ingest's old space grow
 * to ~200 MB of garbage before it collects; with 1 GB it collects sooner, and a live set that grew with the file
 * would fail loudly instead of swapping. Measured on the 97k-settlement bench set, two runs each: peak RSS
 * 328–341 MB → 226–227 MB, ingest 7.0 s → 7.5 s (a 512 MB budget: 217–219 MB, 7.8 s).
 */
export const CLI_NODE_ARGS = ['--max-old-space-size=1024', '--import', 'tsx'] as const;
