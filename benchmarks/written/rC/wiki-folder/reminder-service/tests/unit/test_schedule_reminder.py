from datetime import datetime, timedelta, timezone

import schedule_reminder as sr


def test_fire_time_is_24h_after_last_change():
    last = datetime(2024, 11, 18, 9, 30, tzinfo=timezone.utc)
    assert sr.fire_time(last) == last + timedelta(hours=24)


def test_schedule_name_is_stable_per_cart():
    assert sr.schedule_name("abc") == sr.schedule_name("abc") == "cart-abc"

