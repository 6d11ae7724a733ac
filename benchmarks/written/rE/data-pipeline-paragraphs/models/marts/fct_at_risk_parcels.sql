-- One row per open parcel that is likely to arrive late.
with latest as (
    select * from {{ ref('int_latest_event_per_parcel') }}
),
promised as (
    select parcel_id, promised_delivery_at from {{ ref('stg_orders__parcels') }}
)
select
    l.parcel_id,
    l.carrier,
    l.event_code,
    l.event_at as last_scan_at,
    p.promised_delivery_at,
    case
        when timestamp_diff(current_timestamp(), l.event_at, hour) >= 48 then 'no_scan_48h'
        when l.event_code in ('CUSTOMS_HOLD', 'CUSTOMS_DOC_REQUIRED') then 'customs_hold'
        when l.estimated_delivery_at > timestamp_add(p.promised_delivery_at, interval 24 hour) then 'eta_beyond_promise'
    end as risk_reason
from latest l
join promised p using (parcel_id)
where l.is_delivered = false
  and (
        timestamp_diff(current_timestamp(), l.event_at, hour) >= 48
     or l.event_code in ('CUSTOMS_HOLD', 'CUSTOMS_DOC_REQUIRED')
     or l.estimated_delivery_at > timestamp_add(p.promised_delivery_at, interval 24 hour)
  )
