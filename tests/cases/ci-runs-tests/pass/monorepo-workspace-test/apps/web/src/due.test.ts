import { expect, test } from 'vitest';
import { due } from './due';

test('a day', () => {
  expect(due(24)).toBe(true);
});

test('an hour', () => {
  expect(due(1)).toBe(false);
});

test('a week', () => {
  expect(due(168)).toBe(true);
});
