const { initialize } = require('unleash-client');
