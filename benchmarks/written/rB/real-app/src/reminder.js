const { isDue, codeExpiry } = require('./eligibility');
const metrics = require('./metrics');

// store:   { listOpenCarts(), getUser(id), markReminded(cartId, sentAt, code) }
// mailer:  { send({ to, template, data }) }
// promos:  { createCode({ percent, expiresAt }) }
async function runOnce({ store, mailer, promos, now = new Date() }) {
  const end = metrics.runDuration.startTimer();
  let sent = 0;
  let failed = 0;
  try {
    const carts = await store.listOpenCarts();
    for (const cart of carts) {
      const user = await store.getUser(cart.userId);
      if (!isDue(cart, user, now)) continue;
      try {
        const expiresAt = codeExpiry(now);
        const code = await promos.createCode({ percent: 10, expiresAt });
        await mailer.send({
          to: user.email,
          template: 'cart-reminder',
          data: { items: cart.items, code, expiresAt: expiresAt.toISOString(), cartId: cart.id },
        });
        await store.markReminded(cart.id, now, code);
        metrics.remindersSent.inc();
        sent += 1;
      } catch (err) {
        metrics.remindersFailed.inc({ reason: err.code || 'unknown' });
        failed += 1;
      }
    }
  } finally {
    end();
  }
  return { sent, failed };
}

module.exports = { runOnce };
