import test from 'ava';
import double from './index.js';

test('doubles a number', t => {
  t.is(double(2), 4);
});

test('doubles zero', t => {
  t.is(double(0), 0);
});

test('keeps the sign', t => {
  t.true(double(-1) < 0);
});
