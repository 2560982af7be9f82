import { readFileSync } from 'node:fs';
import { parseSesEvents } from '../../lambdas/usecases/ses-events';

const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/ses/${name}`, 'utf8')) as { Message: string };

describe('reading SES notifications', () => {
  it.each([
    ['bounce-permanent.json', 'Bounce'],
    ['bounce-transient.json', 'Bounce'],
    ['complaint.json', 'Complaint'],
    ['delivery.json', 'Delivery'],
  ])('reads %s in the SNS envelope SES publishes through', (file, type) => {
    const [event] = parseSesEvents(fixture(file));
    expect(event.eventType).toBe(type);
    expect(event.mail.messageId).toBe('SES-MESSAGE-ID');
  });

  it('reads the same notification inside a Lambda SNS event, and as a bare SES event', () => {
    const sns = fixture('complaint.json');
    const lambda = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: sns }] };
    expect(parseSesEvents(lambda)[0].eventType).toBe('Complaint');
    expect(parseSesEvents(JSON.parse(sns.Message))[0].eventType).toBe('Complaint');
  });

  it("leaves out SES's setup message (published when the event destination is made), so it never fails into the alarmed queue", () => {
    const setup = { Type: 'Notification', Message: 'Successfully validated SNS topic for Amazon SES event publishing.' };
    expect(parseSesEvents({ Records: [{ EventSource: 'aws:sns', Sns: setup }] })).toEqual([]);
    expect(parseSesEvents(setup)).toEqual([]);
    // Beside a real event, only the setup message is left out.
    expect(parseSesEvents({ Records: [{ Sns: setup }, { Sns: fixture('complaint.json') }] }).map((e) => e.eventType)).toEqual([
      'Complaint',
    ]);
  });

  it('refuses an SNS message that is not JSON, and JSON that is not an SES event, naming what is wrong', () => {
    expect(() => parseSesEvents({ Type: 'Notification', Message: 'not json' })).toThrow(/not JSON/);
    expect(() => parseSesEvents({ hello: 'world' })).toThrow(/not an SES notification.*mail/);
  });
});
