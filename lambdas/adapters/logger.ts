/** One structured logger (Powertools) for every function. Never log tokens or full addresses. */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'briefing' });
