#!/bin/sh
echo "in production, run: pm2 start server.js"
node server.js
