/**
 * How the CLI's Node process is started, in one place: `npm run cli` (package.json, checked against this by
 * tests/ingest.test.ts), the bench's child processes and the tests that run the CLI as a user would.
 *
 * The heap budget: with Node's default (about 4 GB on a 24 GB machine) V8 lets a streaming ingest's old space grow
 * to ~200 MB of garbage before it collects; with 512 MB it collects sooner, and a live set that grew with the file
 * would fail loudly instead of swapping. Measured on the 97k-settlement bench set: peak RSS 318 MB → 219 MB.
 */
export const CLI_NODE_ARGS = ['--max-old-space-size=512', '--import', 'tsx'] as const;
