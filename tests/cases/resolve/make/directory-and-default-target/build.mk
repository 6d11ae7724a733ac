package: ; tar -czf app.tgz dist
