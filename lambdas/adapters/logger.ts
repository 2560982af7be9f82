/** One structured logger (Powertools) for every function. Never log tokens or full addresses. */
import { Logger, LogLevel } from '@aws-lambda-powertools/logger';

type Level = Parameters<Logger['setLogLevel']>[0];

export const logger = new Logger({ serviceName: 'briefing' });

/**
 * Give the logger the level POWERTOOLS_LOG_LEVEL (or LOG_LEVEL) names now. The Logger reads it
 * once, when this module loads; the local mode and the bench set their handlers' environment at
 * run time, after that. A value the Logger does not know is ignored, as at load.
 */
export function applyLogLevelFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  const level = env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL;
  if (level && (Object.values(LogLevel) as string[]).includes(level)) logger.setLogLevel(level as Level);
}
