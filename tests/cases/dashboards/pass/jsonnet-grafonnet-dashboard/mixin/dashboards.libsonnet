local grafana = import 'grafonnet/grafana.libsonnet';
local dashboard = grafana.dashboard;
local graphPanel = grafana.graphPanel;
local prometheus = grafana.prometheus;

{
  grafanaDashboards+:: {
    'shop.json':
      dashboard.new('Shop overview', tags=['shop'])
      .addPanel(
        graphPanel.new('Requests').addTarget(prometheus.target('sum(rate(http_requests_total[5m]))')),
        gridPos={ x: 0, y: 0, w: 12, h: 8 })
      .addPanel(
        graphPanel.new('Errors').addTarget(prometheus.target('sum(rate(http_requests_total{code=~"5.."}[5m]))')),
        gridPos={ x: 12, y: 0, w: 12, h: 8 }),
  },
}
