/**
 * DynamoDB Local processes, told apart by their own command line: a test counts only the
 * emulator it (or the code under test) would have started, on its port or in its data folder,
 * never the emulators of other test files, jest workers or other runs on the machine.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

export interface DynamoDbLocalMatch {
  /** The `-port` it was started with. */
  port?: number;
  /** A folder its `-dbPath` is in (or is). */
  under?: string;
}

/** Process ids of the running DynamoDB Local processes that match (any of the given keys). */
export function dynamoDbLocalPids(match: DynamoDbLocalMatch): number[] {
  if (match.port === undefined && match.under === undefined) throw new Error('say which emulator: a port or a data folder');
  const under = match.under === undefined ? undefined : resolve(match.under);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited while we looked
    }
    if (!args.some((a) => a.endsWith('DynamoDBLocal.jar'))) continue;
    const value = (flag: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const port = value('-port');
    const dbPath = value('-dbPath');
    const onPort = match.port !== undefined && port === String(match.port);
    const inDir = under !== undefined && dbPath !== undefined && (dbPath === under || dbPath.startsWith(`${under}/`));
    if (onPort || inDir) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Living (not zombie) processes of process group `pgid`. A zombie has exited and holds
 * nothing; it stays listed only until someone reaps it, which the init of a container may
 * never do, so `kill(-pgid, 0)` alone would see a finished group as running.
 */
export function livingInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: read after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') pids.push(Number(entry));
  }
  return pids;
}
