/**
 * The sender's rate ports (ratePorts): which rate a sender takes from GetSendQuota's answer,
 * from its absence (an emulator: the fallback, the local setting) and from a failure to ask.
 * The rate chosen is read from the sender's own 'send rate' log line.
 */
import { logger } from '../../lambdas/adapters/logger';
import type { SendQuota } from '../../lambdas/core/pacing';
import { ratePorts } from '../../lambdas/adapters/send-rate';

let rates: Record<string, unknown>[];
let info: jest.SpyInstance;
beforeEach(() => {
  rates = [];
  info = jest.spyOn(logger, 'info').mockImplementation((message: unknown, ...rest: unknown[]) => {
    if (message === 'send rate') rates.push(rest[0] as Record<string, unknown>);
  });
});
afterEach(() => info.mockRestore());

const quota = (maxSendRate: number, max24HourSend = -1): SendQuota => ({ maxSendRate, max24HourSend, sentLast24Hours: 0 });

describe('ratePorts', () => {
  it('an answered quota sets the rate: its MaxSendRate times the share (0.8 by default), as on AWS, even with a fallback set', async () => {
    const read = jest.fn(() => Promise.resolve(quota(20)));
    const ports = ratePorts({ sendRateFallback: 1000 }, read);
    await Promise.all([ports.allowance!.take(), ports.pacer!.take()]);
    expect(rates).toEqual([expect.objectContaining({ perSender: 16, source: 'quota', maxSendRate: 20 })]);
    // The pacer and the allowance asking at once share one request.
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('a new sender asks GetSendQuota once: the allowance before the first send, then the pacer as it goes out', async () => {
    const read = jest.fn(() => Promise.resolve(quota(20, 1000)));
    const ports = ratePorts({}, read);
    expect(await ports.allowance!.take()).toBe(true);
    await ports.pacer!.take();
    expect(await ports.allowance!.take()).toBe(true);
    await ports.pacer!.take();
    expect(read).toHaveBeenCalledTimes(1);
    expect(rates).toEqual([expect.objectContaining({ perSender: 16, source: 'quota' })]);
  });

  it('a quota that is not answered gives the fallback rate, no daily limit, and is not asked for again', async () => {
    const read = jest.fn(() => Promise.resolve(undefined));
    const ports = ratePorts({ sendRateFallback: 50, senderConcurrency: 2 }, read);
    await ports.pacer!.take();
    for (let i = 0; i < 5; i++) expect(await ports.allowance!.take()).toBe(true);
    expect(rates).toEqual([expect.objectContaining({ perSender: 25, source: 'fallback' })]);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('without a fallback (AWS), a quota that is not answered is an error, not a guess', async () => {
    const ports = ratePorts({}, () => Promise.resolve(undefined));
    await expect(ports.pacer!.take()).rejects.toThrow(/does not answer GetSendQuota/);
  });

  it('a failure to ask (a network error) is thrown, not taken for "not answered": the next send asks again', async () => {
    const read = jest
      .fn<Promise<SendQuota | undefined>, []>()
      .mockRejectedValueOnce(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))
      .mockResolvedValueOnce(quota(10));
    const ports = ratePorts({ sendRateFallback: 1000 }, read);
    await expect(ports.pacer!.take()).rejects.toThrow(/ECONNREFUSED/);
    await ports.pacer!.take();
    expect(rates).toEqual([expect.objectContaining({ perSender: 8, source: 'quota' })]);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('a fixed rate (SEND_RATE) is used as it is, and the quota is never asked for', async () => {
    const read = jest.fn(() => Promise.resolve(quota(20)));
    const ports = ratePorts({ sendRate: 5, sendRateFallback: 1000 }, read);
    await ports.pacer!.take();
    expect(ports.allowance).toBeUndefined();
    expect(rates).toEqual([expect.objectContaining({ perSender: 5, source: 'fixed' })]);
    expect(read).not.toHaveBeenCalled();
  });
});
