/**
 * SES's mailbox simulator: mail to these addresses is accepted by SES and answered with real
 * events (delivery, bounce, complaint, suppression-list bounce) without counting towards the
 * account's bounce and complaint rates. `npm run cli -- smoke` mails them; the local mode plays
 * them (lib/local/ses-simulator.ts). Pure.
 *
 * Anything that keeps its own reputation figures from SES events should leave these out too,
 * as SES does: a smoke run's bounce and complaint are meant to happen.
 */
export const SIMULATOR_DOMAIN = 'simulator.amazonses.com';

export const SIMULATOR = {
  success: 'success@simulator.amazonses.com',
  bounce: 'bounce@simulator.amazonses.com',
  complaint: 'complaint@simulator.amazonses.com',
  suppressionlist: 'suppressionlist@simulator.amazonses.com',
} as const;

export type SimulatorOutcome = keyof typeof SIMULATOR;

/** Whether SES's mailbox simulator answers this address (any local part, any case). */
export function isSimulatorAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  return at >= 0 && address.slice(at + 1).toLowerCase() === SIMULATOR_DOMAIN;
}

/** The simulator scenario of an address (`bounce+label@simulator.amazonses.com` → bounce), or undefined. */
export function simulatorOutcome(address: string): SimulatorOutcome | undefined {
  if (!isSimulatorAddress(address)) return undefined;
  const local = address.slice(0, address.lastIndexOf('@')).toLowerCase().split('+')[0];
  return Object.hasOwn(SIMULATOR, local) ? (local as SimulatorOutcome) : undefined;
}
