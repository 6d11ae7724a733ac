import test from 'ava';
import slugify from './index.js';

test('lower-cases', t => {
  t.is(slugify('Hello'), 'hello');
});

test('joins words', t => {
  t.deepEqual(slugify('a b').split('-'), ['a', 'b']);
});

test('throws on numbers', t => {
  t.throws(() => slugify(1));
});
