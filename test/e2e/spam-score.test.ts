/**
 * Zero spam points: every kind of message, as the sender builds it (full raw MIME), is scored
 * by Debian's SpamAssassin with local rules only (`spamassassin -L -t`, no network tests).
 * No rule with a positive score may fire; rules scoring 0 or less (informational ones such as
 * NO_RECEIVED, HTML_MESSAGE) are fine. CI installs spamassassin (.ci/run): a missing one is a
 * failure that says so, not a skip.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { KINDS, rawMessage } from './inbox-messages';

const SPAMASSASSIN = process.env.SPAMASSASSIN_PATH ?? '/usr/bin/spamassassin';

interface Score {
  score: number;
  rules: { name: string; points: number }[];
  report: string;
}

/** Pipe a message through `spamassassin -L -t` and read the score and the rules of its report. */
function spamassassin(raw: Buffer): Promise<Score> {
  return new Promise((resolve, reject) => {
    const child = execFile(SPAMASSASSIN, ['-L', '-t'], { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      // spamassassin -t exits 0 for ham and 1 for spam; anything else is a failure to run.
      if (err && typeof err.code !== 'number') return reject(new Error(`spamassassin did not run: ${err.message}\n${stderr}`));
      const m = /Content analysis details:\s+\((-?[\d.]+) points/.exec(stdout);
      if (!m) return reject(new Error(`no SpamAssassin report in the output:\n${stdout.slice(-2000)}\n${stderr}`));
      const table = stdout.slice(m.index).split(/\n-{4} -+ -+\n/)[1] ?? '';
      const rules = [...table.matchAll(/^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s/gm)].map((r) => ({ name: r[2], points: Number(r[1]) }));
      resolve({ score: Number(m[1]), rules, report: stdout.slice(m.index) });
    });
    child.stdin!.end(raw);
  });
}

describe('SpamAssassin (local rules)', () => {
  it("is installed (CI installs Debian's spamassassin; without it this check cannot run)", () => {
    expect({ spamassassin: SPAMASSASSIN, installed: existsSync(SPAMASSASSIN) }).toEqual({ spamassassin: SPAMASSASSIN, installed: true });
  });

  it.each(KINDS)('the %s fires no positive-scoring rule and scores 0 or less', async (kind) => {
    if (!existsSync(SPAMASSASSIN))
      throw new Error(`spamassassin not found at ${SPAMASSASSIN}: install it (apt-get install spamassassin) or set SPAMASSASSIN_PATH`);
    const result = await spamassassin(await rawMessage(kind));
    const listed = result.rules.map((r) => `${r.points} ${r.name}`).join(', ');
    console.log(`spamassassin ${kind}: ${result.score} points; rules: ${listed}`);
    expect(result.rules.length).toBeGreaterThan(0); // the report was read (HTML_MESSAGE fires on every kind)
    expect({ kind, positive: result.rules.filter((r) => r.points > 0) }).toEqual({ kind, positive: [] });
    expect(result.score).toBeLessThanOrEqual(0);
  });
});
