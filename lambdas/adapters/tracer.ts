/**
 * X-Ray tracing (Powertools Tracer), one instance per process like the logger.
 *
 * The Tracer switches itself off outside Lambda (no AWS_EXECUTION_ENV), under SAM local, and
 * with POWERTOOLS_TRACE_ENABLED=false: then `captureAWSv3Client` hands the client back as it
 * was and no segment is touched, so the local mode and the tests run the same code untraced.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer({ serviceName: 'briefing' });
