/**
 * The answer to a sign-up takes the same time for a new and a known address, over real HTTP
 * against DynamoDB Local: the API checks the request and queues it, and reads nothing about the
 * address; the sign-ups function does the rest out of band. Measured as a ratio in one run (the
 * machine may be busy with other work), 50 requests each, new and known alternating, while the
 * sign-ups function is held back (as it runs in its own Lambda instances on AWS); then it runs,
 * and only the new addresses get a confirmation.
 */
import { performance } from 'node:perf_hooks';
import { addSubscriber } from '../../lambdas/usecases/subscribers';
import { operator } from '../support/address-key';
import { startSubscriptionApi, uniqueDomain } from './subscribe-support';

let api: Awaited<ReturnType<typeof startSubscriptionApi>>;
let domain: string;
const N = 50;

beforeAll(async () => {
  api = await startSubscriptionApi();
  domain = uniqueDomain();
  for (let i = 0; i < N; i++) await addSubscriber(operator(api.subscribers, api.clock), { email: `known${i}@${domain}` });
});
afterAll(() => api?.stop());

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};

async function timedPost(email: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${api.http.url}/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, digest: 'yes', choices: '1', timezone: 'UTC' }).toString(),
    redirect: 'manual',
  });
  await res.arrayBuffer();
  const ms = performance.now() - started;
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/check-inbox');
  return ms;
}

it('median answer times of new and known addresses are within 10 % of each other (50 each), and only the new get mail', async () => {
  await api.signupQueue.stop();
  // Warm both paths (first connections, JIT, the limit item) before measuring.
  for (let i = 0; i < 10; i++) {
    await timedPost(`warmup${i}@${domain}`);
    await timedPost(`known${i}@${domain}`);
  }
  const fresh: number[] = [];
  const known: number[] = [];
  for (let i = 0; i < N; i++) {
    // Alternate which goes first, so a slow patch of the machine falls on both alike.
    if (i % 2) {
      fresh.push(await timedPost(`new${i}@${domain}`));
      known.push(await timedPost(`known${i}@${domain}`));
    } else {
      known.push(await timedPost(`known${i}@${domain}`));
      fresh.push(await timedPost(`new${i}@${domain}`));
    }
  }
  const ratio = Math.max(median(fresh), median(known)) / Math.min(median(fresh), median(known));
  console.log(`sign-up answer, median of ${N}: new ${median(fresh).toFixed(2)} ms, known ${median(known).toFixed(2)} ms, ratio ${ratio.toFixed(3)}`);
  expect(ratio).toBeLessThanOrEqual(1.1);

  // Nothing was sent while the answers were given; then the sign-ups function runs.
  expect(api.recorder.raws()).toHaveLength(0);
  api.signupQueue.start();
  await api.settled();
  for (const i of [1, 2, N - 1]) expect(await api.mailTo(`new${i}@${domain}`)).toHaveLength(1);
  for (const i of [1, 2, N - 1]) expect(await api.mailTo(`known${i}@${domain}`)).toEqual([]);
});
