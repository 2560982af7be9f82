/**
 * Jest globalTeardown for the integration project: stops what global-setup.ts started and
 * waits until the Java process has exited.
 */
export default async function globalTeardown(): Promise<void> {
  const handles = globalThis.__briefingEmulators;
  globalThis.__briefingEmulators = undefined;
  if (!handles) return;
  const results = await Promise.allSettled(handles.stops.map((stop) => stop()));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length)
    throw new AggregateError(
      failed.map((f): unknown => f.reason),
      'Stopping the emulators failed',
    );
}
