/**
 * The local runtime as `npm start` runs it, on this file's own tables and a clock the test walks
 * by hand (the planner and the minute check read it; never the wall clock), with its own mail
 * domain so the SES emulator's store can be read for this test's messages only. DynamoDB Local
 * and the SES emulator are the ones global-setup started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../lambdas/core/ports';
import type { SourceFile } from '../../lambdas/usecases/publish';
import { documentClient, dynamoPorts } from '../../lambdas/wiring';
import { localConfig } from '../../lib/local/config';
import { startRuntime, type LocalRuntime } from '../../lib/local/runtime';
import { sesStore } from '../../lib/local/ses';
import { uniqueDomain } from './pipeline';
import { createTestTables, type TestTables } from './tables';

/** A clock the test moves by setting `at`; it starts on a whole minute. */
export type WalkedClock = Clock & { at: Date };

export const walkedClock = (): WalkedClock => {
  const clock: WalkedClock = { at: new Date(Math.floor(Date.now() / 60_000) * 60_000), now: () => new Date(clock.at) };
  return clock;
};

export interface ClockedRuntime {
  rt: LocalRuntime;
  db: ReturnType<typeof dynamoPorts<TestTables['names']>>;
  /** Readers' addresses are `<name>@<domain>`. */
  domain: string;
  /** The SES emulator's messages to this test's domain. */
  inbox(): ReturnType<typeof sesStore>;
  stop(): Promise<void>;
}

export async function startClockedRuntime(prefix: string, clock: Clock): Promise<ClockedRuntime> {
  const env = { ...process.env };
  const startedAt = new Date();
  const emulator = process.env.AWS_ENDPOINT_URL_SES!;
  const tables = await createTestTables(prefix);
  const dataDir = mkdtempSync(join(tmpdir(), `briefing-${prefix}-`));
  const config = {
    ...localConfig({ ...process.env, BRIEFING_DATA_DIR: dataDir }),
    tables: tables.names,
    dynamoEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    sesEndpoint: emulator,
  };
  const rt = await startRuntime({ startEmulators: false, http: false, config, clock });
  const domain = uniqueDomain();
  return {
    rt,
    db: dynamoPorts(documentClient(), tables.names),
    domain,
    inbox: async () =>
      (await sesStore(emulator, { since: startedAt })).filter((m) => m.destination.to.some((t) => t.endsWith(`@${domain}`))),
    async stop() {
      await rt.stop();
      await tables.drop();
      rmSync(dataDir, { recursive: true, force: true });
      process.env = { ...env };
    },
  };
}

/** The files with `lines` added to the issue's front matter (after `type: issue`). */
export const withIssueFrontMatter = (files: SourceFile[], lines: string): SourceFile[] =>
  files.map((f) => (/^type: issue$/m.test(f.text) ? { ...f, text: f.text.replace(/^type: issue$/m, `type: issue\n${lines}`) } : f));
