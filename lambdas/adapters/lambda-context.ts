/**
 * What every Lambda invocation gets, whatever the function: the Lambda context in each log
 * line of the invocation (`function_request_id`, `function_name`, `cold_start`, ...) and, when
 * tracing is on, a subsegment for the handler with the cold start and the service annotated.
 *
 * The functional form of Powertools' `injectLambdaContext` and `captureLambdaHandler`: those
 * are middy middlewares or class decorators, and the handlers here are plain functions.
 * Responses are not added to the trace: they hold pages and counts a trace has no need for.
 */
import type { Context } from 'aws-lambda';
import { logger as defaultLogger } from './logger';
import { tracer } from './tracer';

type Handler<E, R> = (event: E, context?: Context) => Promise<R>;

export function withLambdaContext<E, R>(
  handler: Handler<E, R>,
  log: Pick<typeof defaultLogger, 'addContext'> = defaultLogger,
): Handler<E, R> {
  return async (event, context) => {
    // The local mode calls handlers with no context, or one that only counts the time left:
    // only a real Lambda context (it always has a request id) goes into the logs.
    if (context?.awsRequestId) log.addContext(context);
    if (!tracer.isTracingEnabled()) return handler(event, context);
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await handler(event, context);
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
    }
  };
}
