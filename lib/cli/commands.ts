import type { Io } from './args';
import { dbMigrate } from './db-migrate';
import { recomputeCommand } from './recompute';
import { alertsCommand } from './alerts';

export type Command = (argv: string[], io: Io) => Promise<number>;

/** Every command of CONTRACT.md; each lives in its own file and calls the same lib functions as the app. */
export const commands: Record<string, Command> = {
  'db migrate': dbMigrate,
  'db distribute': (a, io) => import('./db-distribute').then((m) => m.dbDistribute(a, io)),
  adjudicate: (a, io) => import('./adjudicate').then((m) => m.adjudicateCommand(a, io)),
  penalty: (a, io) => import('./penalty').then((m) => m.penalty(a, io)),
  'case export': (a, io) => import('./case-export').then((m) => m.caseExport(a, io)),
  recompute: recomputeCommand,
  alerts: alertsCommand,
  'alerts verdict': (a, io) => import('./alerts-verdict').then((m) => m.alertsVerdictCommand(a, io)),
  ingest: (a, io) => import('./ingest').then((m) => m.ingestCommand(a, io)),
  generate: (a, io) => import('./generate').then((m) => m.generateCommand(a, io)),
  demo: (a, io) => import('./demo').then((m) => m.demoCommand(a, io)),
  digest: (a, io) => import('./digest').then((m) => m.digestCommand(a, io)),
  'rules list': (a, io) => import('./rules-list').then((m) => m.rulesListCommand(a, io)),
  'rules quality': (a, io) => import('./rules-quality').then((m) => m.rulesQualityCommand(a, io)),
  'rules backtest': (a, io) => import('./rules-backtest').then((m) => m.rulesBacktestCommand(a, io)),
  'rules adopt': (a, io) => import('./rules-adopt').then((m) => m.rulesAdoptCommand(a, io)),
  whatif: (a, io) => import('./whatif').then((m) => m.whatifCommand(a, io)),
  apikey: (a, io) => import('./apikey').then((m) => m.apikeyCommand(a, io)),
  bench: (a, io) => import('./bench').then((m) => m.benchCommand(a, io)),
};
