/**
 * CloudWatch metrics through Powertools Metrics (embedded metric format: a log line, no API
 * call): namespace `Briefing`, one dimension `service` = `briefing`. The stack sets
 * POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME; the defaults here are the same, so
 * the alarms find the metrics either way. Use-cases and handlers see only the `SendMetrics`
 * port; unit tests pass a recording one.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '../core/metric-names';

/** Metric names (the monitoring construct alarms on the same constants). */
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export interface SendMetrics {
  /** Add `value` to the count of `name` for this invocation (zero is not emitted). */
  count(name: MetricName, value: number): void;
  /** Write what this invocation counted (once, at its end). */
  flush(): void;
}

export const noMetrics: SendMetrics = { count: () => undefined, flush: () => undefined };

export function powertoolsMetrics(): SendMetrics {
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || METRICS_SERVICE,
  });
  let pending = false;
  return {
    count(name, value) {
      if (!(value > 0)) return;
      metrics.addMetric(name, MetricUnit.Count, value);
      pending = true;
    },
    flush() {
      // Nothing counted: no empty EMF line (and no Powertools warning about one).
      if (!pending) return;
      pending = false;
      metrics.publishStoredMetrics();
    },
  };
}

/** Powertools on Lambda; nothing locally, where an EMF line on stdout would only be noise. */
export function metricsFromEnv(): SendMetrics {
  return process.env.AWS_LAMBDA_FUNCTION_NAME ? powertoolsMetrics() : noMetrics;
}
