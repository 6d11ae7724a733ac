import { test } from 'node:test';
import assert from 'node:assert/strict';
import { total } from '../cart.mjs';

test('adds', () => {
  assert.equal(total([2, 3]), 5);
});

test('empty', () => {
  assert.strictEqual(total([]), 0);
});

test('one', () => {
  assert.deepEqual([total([1])], [1]);
});
