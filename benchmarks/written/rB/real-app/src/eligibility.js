// Rules for "is this cart abandoned and should it get a reminder?"
const HOUR = 60 * 60 * 1000;
const REMIND_AFTER_MS = 24 * HOUR;
// the job runs every 10 minutes, so anything that crossed 24h in the last window is due
const WINDOW_MS = 10 * 60 * 1000;
const CODE_VALID_MS = 48 * HOUR;

function isDue(cart, user, now) {
  if (!cart || !user) return false;
  if (!cart.items || cart.items.length === 0) return false;
  if (cart.orderId) return false;            // already checked out
  if (cart.reminderSentAt) return false;     // one reminder per cart
  if (user.optedOut) return false;
  if (!user.email) return false;
  const idle = now.getTime() - new Date(cart.updatedAt).getTime();
  return idle >= REMIND_AFTER_MS && idle < REMIND_AFTER_MS + WINDOW_MS;
}

function codeExpiry(sentAt) {
  return new Date(sentAt.getTime() + CODE_VALID_MS);
}

module.exports = { isDue, codeExpiry, REMIND_AFTER_MS, WINDOW_MS, CODE_VALID_MS };
