"""The crontab schedule the road's jobs run on (simnet.services.cron), field by field."""
from __future__ import annotations

from datetime import datetime, timezone

from simnet.services.cron import cron_matches


def _minute(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()) // 60


def test_steps_ranges_lists_and_weekday():
    assert cron_matches("*/5 * * * *", _minute("2026-12-07T11:10"))
    assert not cron_matches("*/5 * * * *", _minute("2026-12-07T11:11"))
    assert cron_matches("0 3 * * 1", _minute("2026-12-07T03:00"))          # a Monday
    assert not cron_matches("0 3 * * 1", _minute("2026-12-08T03:00"))
    assert cron_matches("15,45 8-17 * * *", _minute("2026-12-07T17:45"))
    assert not cron_matches("15,45 8-17 * * *", _minute("2026-12-07T18:15"))
    assert cron_matches("0 0 1 1 *", _minute("2027-01-01T00:00"))
    assert cron_matches("5/20 * * * *", _minute("2026-12-07T11:45"))       # 5, 25, 45


def test_a_malformed_line_never_fires():
    assert not cron_matches("*/5 * * *", _minute("2026-12-07T11:10"))
    assert not cron_matches("x * * * *", _minute("2026-12-07T11:10"))
