const { isDue, codeExpiry } = require('../src/eligibility');

const H = 60 * 60 * 1000;
const now = new Date('2025-03-10T12:00:00Z');
const ago = (ms) => new Date(now.getTime() - ms).toISOString();
const user = { id: 'u1', email: 'a@example.com' };
const cart = (over = {}) => ({ id: 'c1', userId: 'u1', items: [{ sku: 'X', price: 20 }], updatedAt: ago(24 * H), ...over });

describe('isDue', () => {
  test('due exactly at 24h', () => {
    expect(isDue(cart(), user, now)).toBe(true);
  });
  test('not due at 23h59m', () => {
    expect(isDue(cart({ updatedAt: ago(24 * H - 60 * 1000) }), user, now)).toBe(false);
  });
  test('still due at 24h09m (inside the 10 minute window)', () => {
    expect(isDue(cart({ updatedAt: ago(24 * H + 9 * 60 * 1000) }), user, now)).toBe(true);
  });
  test('not due at 24h10m (previous run already handled it)', () => {
    expect(isDue(cart({ updatedAt: ago(24 * H + 10 * 60 * 1000) }), user, now)).toBe(false);
  });
  test('empty cart is never due', () => {
    expect(isDue(cart({ items: [] }), user, now)).toBe(false);
  });
  test('ordered cart is not due', () => {
    expect(isDue(cart({ orderId: 'o9' }), user, now)).toBe(false);
  });
  test('opted-out user is not due', () => {
    expect(isDue(cart(), { ...user, optedOut: true }, now)).toBe(false);
  });
  test('cart that already got a reminder is not due', () => {
    expect(isDue(cart({ reminderSentAt: now }), user, now)).toBe(false);
  });
});

describe('codeExpiry', () => {
  test('code is valid for 48 hours after sending', () => {
    expect(codeExpiry(now).toISOString()).toBe('2025-03-12T12:00:00.000Z');
  });
});
