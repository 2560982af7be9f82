/**
 * The console on this machine (`npm start`): the local OpenID Connect provider with its seeded
 * owner (oidc-provider.ts), the console's environment as the stack sets it on AWS (issuer, client,
 * base URL, and the session key, kept in the data folder like the other local secrets), and the
 * console handler that the local HTTP server serves under /admin. Nothing here skips the sign-in.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consoleDepsFromEnv, makeConsoleHandler } from '../../lambdas/console/handler';
import { ENV } from '../../lambdas/core/function-env';
import type { HttpApiHandler } from './http';
import { LocalIssueScheduler } from './issue-schedules';
import { startLocalOidcProvider } from './oidc-provider';
import { portFromEnv } from './ports';

export interface LocalConsole {
  handler: HttpApiHandler;
  /** The provider's URL (its issuer). */
  issuer: string;
  stop(): Promise<void>;
}

/** Whether `path` is the console's (/admin and below): the local server sends it to the console handler. */
export const isConsolePath = (path: string) => path === '/admin' || path.startsWith('/admin/');

/** The key the console's session cookies are sealed with, made once and kept with the data. */
export function localConsoleSessionKey(dataDir: string): string {
  const file = join(dataDir, 'console-session-key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Start the provider (on BRIEFING_OIDC_PORT, or a free port: two `npm start`s on one machine
 * do not collide) and make the console handler for `baseUrl` (the local API's URL).
 */
export async function startLocalConsole(options: {
  baseUrl: string;
  dataDir: string;
  /** Send now: this process's digest planner, run for the issue (as the Lambda's asynchronous invocation would). */
  planIssue?: (issueId: string) => Promise<unknown>;
}): Promise<LocalConsole> {
  const provider = await startLocalOidcProvider({
    port: portFromEnv('BRIEFING_OIDC_PORT', 0),
    consoleBaseUrl: options.baseUrl,
    dataDir: options.dataDir,
  });
  Object.assign(process.env, {
    [ENV.consoleIssuer]: provider.issuer,
    [ENV.consoleClientId]: provider.clientId,
    [ENV.consoleBaseUrl]: options.baseUrl,
    [ENV.consoleSessionKey]: localConsoleSessionKey(options.dataDir),
  });
  const deps = consoleDepsFromEnv();
  // The stored sendAt is the schedule here (issue-schedules.ts); Send now runs this process's planner.
  deps.desk.schedules = new LocalIssueScheduler();
  const plan = options.planIssue;
  if (plan)
    deps.desk.planner = {
      planNow: (issueId) => {
        // Not awaited, as Lambda's Event invocation: the page answers at once, the planner logs its result.
        plan(issueId).then(
          (result) => console.log('console: send now:', JSON.stringify(result)),
          (e: unknown) => console.error('console: send now failed:', e),
        );
        return Promise.resolve();
      },
    };
  return { handler: makeConsoleHandler(deps), issuer: provider.issuer, stop: () => provider.close() };
}
