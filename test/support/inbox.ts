/**
 * The SES emulator's messages, as a test file sees them: those received since the file was
 * loaded. The integration run shares one emulator that keeps every message of the run (by the
 * end thousands, over 100 MB as JSON); a test's own messages are never older than its file, so
 * reading only those proves the same, and reading the whole store on every look cost minutes.
 */
import { sesStore, type StoredEmail } from '../../lib/local/ses';

// Evaluated once per test file: jest gives each file its own module registry.
const fileLoadedAt = new Date();

/** Messages the run's SES emulator received since this test file was loaded, oldest first. */
export function fileInbox(): Promise<StoredEmail[]> {
  return sesStore(process.env.AWS_ENDPOINT_URL_SES!, { since: fileLoadedAt });
}

/** This file's messages to any address at `domain`. */
export async function inboxAt(domain: string): Promise<StoredEmail[]> {
  return (await fileInbox()).filter((m) => m.destination.to.some((to) => to.endsWith(`@${domain}`)));
}
