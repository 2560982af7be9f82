/**
 * Counting copies per subscriber, for the fault tests: from the SES emulator's store (what SES
 * accepted) and the ledger (what the pipeline believes), and a table row for docs/send-engine.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileInbox } from './inbox';
import { publish } from '../../lambdas/usecases/publish';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from './address-key';
import { systemClock } from '../../lambdas/wiring';
import { sampleFiles, type startPipeline } from './pipeline';

type Pipeline = Awaited<ReturnType<typeof startPipeline>>;
export const ISSUE = 'eu-japan-security-brief-001';

/** Publish the sample issue and add `n` confirmed subscribers at `domain`; returns their addresses. */
export async function seed(p: Pipeline, domain: string, n: number, name = (i: number) => `r${i}`): Promise<string[]> {
  await publish({ content: p.content, clock: systemClock }, sampleFiles());
  const emails: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = await addSubscriber(operator(p.subscriptions, systemClock), { email: `${name(i)}@${domain}` });
    emails.push(s.email);
  }
  return emails;
}

export interface CopyCount {
  zero: number;
  one: number;
  two: number;
  /** Addresses with two or more copies. */
  duplicates: string[];
}

/** How many of `emails` got zero, one, two or more copies in the SES emulator's store. */
export async function countCopies(emails: string[]): Promise<CopyCount> {
  const store = await fileInbox();
  const per = new Map(emails.map((e) => [e, 0]));
  for (const m of store) for (const to of m.destination.to) if (per.has(to)) per.set(to, per.get(to)! + 1);
  const values = [...per.entries()];
  return {
    zero: values.filter(([, n]) => n === 0).length,
    one: values.filter(([, n]) => n === 1).length,
    two: values.filter(([, n]) => n >= 2).length,
    duplicates: values.filter(([, n]) => n >= 2).map(([e]) => e),
  };
}

export interface FaultRow {
  fault: string;
  injected: number;
  subscribers: number;
  zero: number;
  two: number;
  note?: string;
}

/** Rows collected by a test file, written as Markdown to out/ for docs/send-engine.md. */
export function faultTable(file: string) {
  const rows: FaultRow[] = [];
  return {
    add: (row: FaultRow) => rows.push(row),
    write() {
      if (rows.length === 0) return;
      mkdirSync('out', { recursive: true });
      const lines = ['| fault | injected | subscribers | got no copy | got two | note |', '|---|---:|---:|---:|---:|---|'];
      for (const r of rows) lines.push(`| ${r.fault} | ${r.injected} | ${r.subscribers} | ${r.zero} | ${r.two} | ${r.note ?? ''} |`);
      writeFileSync(`out/${file}.md`, `${lines.join('\n')}\n`);
    },
  };
}
