/**
 * The console's settings form (core/content/settings-form.ts): the posted rows become the
 * topics.md publish reads, and publish's messages find their way back to the input each is
 * about. Tries: an empty row in the middle (its topic's messages must not land on the row
 * above), a label typed with YAML in it, a message about the list as a whole.
 */
import { describe, expect, it } from '@jest/globals';
import { readSettingsFile } from '../../lambdas/core/content/topics-file';
import { readSettingsForm, settingsFile, settingsMessages } from '../../lambdas/core/content/settings-form';

const posted = (rows: [string, string, string][]) => {
  const form = new URLSearchParams({
    blurb: 'Weekly news.',
    'wording-schedule': 'The digest ({schedule})',
    'wording-local-time': 'At {time}',
  });
  rows.forEach(([id, label, description], i) => {
    form.set(`topic-${i}-id`, id);
    form.set(`topic-${i}-label`, label);
    form.set(`topic-${i}-description`, description);
  });
  return form;
};

describe('the settings form', () => {
  it('writes the rows as topics.md that publish reads back to the same settings; a wholly empty row is no topic', () => {
    const values = readSettingsForm(
      posted([
        ['cyber', 'Cyber: "hybrid" & more', 'Attacks.\n- id: injected'],
        ['', '', ''],
        ['space', 'Space', 'Satellites.'],
      ]),
    );
    const { file, rows } = settingsFile(values);
    expect(rows).toEqual([0, 2]);
    expect(file.name).toBe('topics.md');
    // The description's line break is refused by publish's reader (one line), never read as YAML.
    expect(() => readSettingsFile(file.name, file.text)).toThrow(/topics\.0\.description/);
    const ok = settingsFile({ ...values, topics: values.topics.map((t) => ({ ...t, description: t.description.split('\n')[0] })) });
    const read = readSettingsFile(ok.file.name, ok.file.text).settings;
    expect(read.topics).toEqual([
      { id: 'cyber', label: 'Cyber: "hybrid" & more', description: 'Attacks.' },
      { id: 'space', label: 'Space', description: 'Satellites.' },
    ]);
    expect(read.digestWording).toEqual({ schedule: 'The digest ({schedule})', 'local-time': 'At {time}' });
  });

  it("puts each message beside its input, counting rows as the form shows them (topics.1 after an empty row is the form's row 2)", () => {
    const { byInput, general } = settingsMessages(
      [
        'topics.md:12: topics.1.label: must not be empty',
        'topics.md:3: digestWording.local-time: names a day ("Monday")',
        'topics.md:2: blurb: must be one line',
        'topics.md: topics: "cyber" is still used by article a',
        'topics.md:14: topics.1: id "space" is listed twice',
      ],
      [0, 2],
    );
    expect(byInput).toEqual({
      'topic-2-label': ['must not be empty'],
      'wording-local-time': ['names a day ("Monday")'],
      blurb: ['must be one line'],
      'topic-2-id': ['id "space" is listed twice'],
    });
    expect(general).toEqual(['topics: "cyber" is still used by article a']);
  });
});
