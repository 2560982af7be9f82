/**
 * The command-line tool run in-process, as bin/cli.ts runs it (its catch prints the message and
 * exits 1, so a rejection here is a non-zero exit there), against a target made of real ports;
 * any other part of the target a command reads throws, so a test sees what a command touched.
 */
import { Command } from 'commander';
import type { Target, WithTarget } from '../../bin/cli/target';
import * as sending from '../../bin/cli/sending';
import * as status from '../../bin/cli/status';
import * as stats from '../../bin/cli/stats';
import * as preview from '../../bin/cli/preview';
import * as smoke from '../../bin/cli/smoke';
import * as content from '../../bin/cli/content';
import * as subscribers from '../../bin/cli/subscribers';
import * as find from '../../bin/cli/find';

/** A target holding only `known`: reading anything else throws. */
export function strictTarget(known: Partial<Target>): Target {
  return new Proxy(known as Target, {
    get(t, key: string) {
      if (key in t) return Reflect.get(t, key) as unknown;
      throw new Error(`the command read target.${key}, which this test did not give it`);
    },
  });
}

/** Runs one command line against `target`; resolves with what it printed (console.log), rejects with its error. */
export async function runCli(target: Target, ...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  try {
    const program = new Command('briefing').exitOverride();
    const withTarget: WithTarget = (fn) => fn(target);
    // `find` after `subscribers`: its list, search and count join that group.
    for (const group of [sending, status, stats, preview, smoke, content, subscribers, find]) group.register(program, withTarget);
    await program.parseAsync(['node', 'briefing', ...args]);
    return out;
  } catch (e) {
    (e as Error).message += out.length ? `\n(printed before: ${out.join(' | ')})` : '';
    throw e;
  } finally {
    log.mockRestore();
  }
}
