const client = require('prom-client');

const register = new client.Registry();
client.collectDefaultMetrics({ register });

const remindersSent = new client.Counter({
  name: 'cart_reminders_sent_total',
  help: 'Reminder emails accepted by the email provider',
  registers: [register],
});

const remindersFailed = new client.Counter({
  name: 'cart_reminders_failed_total',
  help: 'Reminder emails that failed to send',
  labelNames: ['reason'],
  registers: [register],
});

const runDuration = new client.Histogram({
  name: 'cart_reminder_run_duration_seconds',
  help: 'Duration of one scan-and-send run',
  buckets: [0.5, 1, 2, 5, 10, 30, 60],
  registers: [register],
});

module.exports = { register, remindersSent, remindersFailed, runDuration };
