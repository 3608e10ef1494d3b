/**
 * The IPC contract is written once (`main/ipc/contract-types.ts`): the
 * preload's bridge, the validators, the handlers' responders and the channel
 * table are all mapped over it. Adding a message to the contract without
 * exposing, validating and handling it must not compile.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, typeErrors } from '../helpers/ts-program';

const CONTRACT = path.join(ROOT, 'main/ipc/contract-types.ts');
const FILES = ['preload/expose-auth-bridge.ts', 'main/ipc/contract.ts', 'main/ipc/handlers.ts', 'main/ipc/contract-types.ts'];

test('the contract as it is compiles', () => {
  expect(typeErrors(FILES)).toEqual([]);
}, 60_000);

test('a new message in IpcContract alone fails in the preload, the validators, the responders and the channel table', () => {
  const source = readFileSync(CONTRACT, 'utf8');
  const anchor = 'export interface IpcContract {\n';
  expect(source).toContain(anchor);
  const errors = typeErrors(FILES, { [CONTRACT]: source.replace(anchor, `${anchor}  ping: { request: undefined; response: null };\n`) });
  const failing = new Set(errors.filter((e) => e.includes('ping')).map((e) => e.split(':')[0]));
  expect([...failing].sort()).toEqual(['main/ipc/contract-types.ts', 'main/ipc/contract.ts', 'main/ipc/handlers.ts', 'preload/expose-auth-bridge.ts']);
}, 60_000);
