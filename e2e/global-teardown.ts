import { stopEmbedded } from '../lib/db/embedded';

/** Playwright kills the web server hard; stop its embedded Postgres cleanly so no server outlives the run. */
export default async function teardown() {
  await stopEmbedded(process.env.E2E_DATA_DIR ?? '.data-e2e');
}
