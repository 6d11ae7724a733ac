const client = require('prom-client');
