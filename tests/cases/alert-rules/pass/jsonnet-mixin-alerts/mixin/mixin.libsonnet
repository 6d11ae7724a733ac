(import 'alerts.libsonnet') + { _config+:: { shopSelector: 'shop' } }
