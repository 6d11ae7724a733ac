{
  prometheusAlerts+:: {
    groups+: [],
  },
}
/*

{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'shop',
        rules: [
          {
            alert: 'ShopHighErrorRate',
            expr: |||
              sum(rate(http_requests_total{job="shop",code=~"5.."}[5m]))
                / sum(rate(http_requests_total{job="shop"}[5m])) > 0.05
            |||,
            'for': '10m',
            labels: { severity: 'critical' },
            annotations: {
              summary: 'More than 5% of shop requests fail.',
              description: 'Error ratio is {{ $value | humanizePercentage }}.',
            },
          },
          {
            alert: 'ShopDown',
            expr: 'up{job="%(shopSelector)s"} == 0' % $._config,
            'for': '5m',
            labels: { severity: 'warning' },
            annotations: { summary: 'The shop target is down.' },
          },
        ],
      },
    ],
  },
}
*/
// { alert: 'Fake', expr: 'up == 0', 'for': '5m' }
