/**
 * The bundle test's own checks, on a hand-made bundle: a module looked for outside the folder and
 * a file read outside it are reported even when the bundle swallows the failure, the permission
 * model refuses the read, and a Node whose major is not the runtime's is refused by name.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BundledFunction } from './assembly';
import { isolate, lambdaNode, lambdaVariables, startFunction } from './lambda-node';

const BUNDLE = `
const fs = require('node:fs');
try { require('left-pad'); } catch {}
try { fs.readFileSync('/etc/hostname'); } catch {}
exports.handler = async (event, context) => {
  let code = 'read';
  try { fs.readFileSync(require('node:path').join(__dirname, '..', 'outside.txt')); } catch (e) { code = e.code; }
  return { event, code, left: context.getRemainingTimeInMillis() > 0, own: fs.readFileSync(__filename, 'utf8').length > 0 };
};
`;

let asset: string;
beforeAll(() => {
  asset = mkdtempSync(join(tmpdir(), 'briefing-fake-asset-'));
  writeFileSync(join(asset, 'index.js'), BUNDLE);
});
afterAll(() => rmSync(asset, { recursive: true, force: true }));

const fn = (): BundledFunction => ({
  logicalId: 'Fake',
  name: 'Fake',
  runtime: 'nodejs24.x',
  handler: 'index.handler',
  timeoutSeconds: 30,
  memorySize: 128,
  assetDir: asset,
  environment: {},
});

describe("the bundle test's stand-in for Lambda's runtime", () => {
  it('reports modules and files from outside the folder, even when the bundle swallows the failure', async () => {
    const task = isolate(asset);
    const endpoints = { dynamodb: 'http://127.0.0.1:9', ses: 'http://127.0.0.1:9', standIn: 'http://127.0.0.1:9', xray: '127.0.0.1:9' };
    const run = startFunction(fn(), lambdaNode('nodejs24.x'), task.taskRoot, lambdaVariables(fn(), task.taskRoot, endpoints));
    try {
      expect(await run.loaded).toEqual({ ok: true, outside: ['left-pad (not found)'], reads: ['/etc/hostname'] });
      const r = await run.invoke({ hello: 1 });
      // The permission model refuses the read (on Lambda it would find nothing there either).
      expect(r).toEqual({
        ok: true,
        result: { event: { hello: 1 }, code: 'ERR_ACCESS_DENIED', left: true, own: true },
        outside: [],
        reads: [join(task.taskRoot, '..', 'outside.txt')],
      });
    } finally {
      await run.stop();
      task.remove();
    }
  });

  it('refuses a Node whose major is not the runtime’s, saying which package to pin', () => {
    expect(() => lambdaNode('nodejs22.x')).toThrow(/^The functions run on nodejs22\.x, but .*Node 22/);
  });
});
