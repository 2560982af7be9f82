/**
 * The metrics contract between the functions (which emit with Powertools Metrics) and the
 * stack (which alarms and draws the dashboard on them). Both import these names from here, so
 * a renamed metric cannot leave an alarm watching nothing. Pure: no imports.
 */

/** CloudWatch namespace of every custom metric (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'Briefing';

/** Name of the one dimension every custom metric carries. */
export const METRICS_DIMENSION = 'service';

/** Its value (`POWERTOOLS_SERVICE_NAME`, which Powertools adds as the `service` dimension). */
export const METRICS_SERVICE = 'briefing';

/** Metric names, all of unit Count. */
export const METRIC = {
  /** Messages SES accepted. */
  sent: 'Sent',
  /** Messages that failed for good (not retried). */
  failed: 'Failed',
  /** SES throttling errors (retried, never counted as sent). */
  throttled: 'Throttled',
  /** Recipients skipped because they are suppressed or unsubscribed. */
  suppressed: 'Suppressed',
  /** Bounces applied from SES events. */
  bounced: 'Bounced',
  /** Complaints applied from SES events. */
  complained: 'Complained',
  /** Above zero while sending is paused (by an operator, the circuit breaker or the reputation brake). */
  sendingPaused: 'SendingPaused',
} as const;

/** The environment variables Powertools reads its namespace and service name from. */
export const POWERTOOLS_ENV = {
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
} as const;
