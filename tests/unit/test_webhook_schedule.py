"""The retry window of a failing webhook: capped exponential backoff with full jitter; when to give up."""

from __future__ import annotations

from wms.config import Settings
from wms.events.schedule import RetryPolicy


def test_the_window_doubles_per_failure_up_to_the_cap_and_the_wait_is_anywhere_in_it() -> None:
    policy = RetryPolicy(initial_s=0.5, max_s=60)
    for failures in (1, 2, 3, 5, 8, 12, 40, 10_000):
        window = min(60.0, 0.5 * 2 ** min(failures - 1, 64))
        waits = [policy.delay_s(failures) for _ in range(400)]
        assert all(0 <= w <= window for w in waits)
        assert min(waits) < window / 4 and max(waits) > 3 * window / 4  # full jitter, not ±20 %
    assert policy.delay_s(0) <= 0.5  # a streak of 0 is treated as the first failure


def test_a_webhook_is_given_up_on_only_after_many_failures_over_a_long_time() -> None:
    policy = RetryPolicy(pause_after_failures=12, pause_after_s=86400)
    assert not policy.pauses(500, 3600)  # many quick failures: keep trying
    assert not policy.pauses(2, 2 * 86400)  # the relay was down for a day, then one failure: keep trying
    assert policy.pauses(12, 86400)
    assert RetryPolicy(pause_after_failures=3, pause_after_s=0).pauses(3, 0)


def test_the_policy_comes_from_the_settings() -> None:
    settings = Settings(
        webhook_backoff_initial_s=0.2, webhook_backoff_max_s=30, webhook_max_attempts=5, webhook_pause_after_s=600
    )
    assert RetryPolicy.from_settings(settings) == RetryPolicy(0.2, 30, 5, 600)
    assert Settings().webhook_backoff_max_s == 60 and Settings().webhook_pause_after_s == 86400
