const http = require('http');
http.createServer((req, res) => res.end('shop')).listen(8080);
