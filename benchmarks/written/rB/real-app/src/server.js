const express = require('express');
const { register } = require('./metrics');

function createServer({ store, state = { lastRunOk: true } }) {
  const app = express();

  app.get('/healthz', (req, res) => res.json({ status: 'ok' }));

  // not ready if the last run blew up completely (e.g. database unreachable)
  app.get('/readyz', (req, res) => {
    if (!state.lastRunOk) return res.status(503).json({ status: 'not ready' });
    return res.json({ status: 'ready' });
  });

  app.get('/metrics', async (req, res) => {
    res.set('Content-Type', register.contentType);
    res.end(await register.metrics());
  });

  app.get('/unsubscribe', async (req, res) => {
    const userId = req.query.u;
    if (!userId) return res.status(400).send('missing user');
    await store.optOut(userId);
    return res.send('You will not get cart reminders any more.');
  });

  return app;
}

module.exports = { createServer };
