"""When the head event of a failing webhook is tried again, and when the webhook is given up on (paused).

The schedule lives in the database (``webhooks.attempts``, ``failing_since``, ``next_attempt_at``), so it
survives passes, restarts and a change of the process delivering; this module only computes the next wait
from the length of the failure streak. The wait is tenacity's ``wait_random_exponential``, the "full jitter"
backoff: uniform in ``[0, min(max_s, initial_s * 2 ** (failures - 1))]``. tenacity's retry loops
(``Retrying``) are not used: they sleep in the calling thread and forget everything when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tenacity import RetryCallState, wait_random_exponential

from wms.config import Settings

_MAX_EXPONENT = 64  # 2**63 times any sensible initial window is far past any cap


@dataclass(frozen=True)
class RetryPolicy:
    initial_s: float = 0.1
    max_s: float = 60.0
    pause_after_failures: int = 12
    pause_after_s: float = 86400.0
    _wait: wait_random_exponential = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_wait", wait_random_exponential(multiplier=self.initial_s, max=self.max_s))

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            initial_s=settings.webhook_backoff_initial_s,
            max_s=settings.webhook_backoff_max_s,
            pause_after_failures=settings.webhook_max_attempts,
            pause_after_s=settings.webhook_pause_after_s,
        )

    def delay_s(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1, 2, …) before the next attempt."""
        state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        state.attempt_number = max(1, min(failures, _MAX_EXPONENT))
        return float(self._wait(state))

    def pauses(self, failures: int, failing_for_s: float) -> bool:
        """Give up (pause) after a long run of failures: at least ``pause_after_failures`` of them in a row
        and ``pause_after_s`` since the first. Both, so that neither a burst of quick failures nor one
        failure after the relay itself was down for a day pauses a webhook."""
        return failures >= self.pause_after_failures and failing_for_s >= self.pause_after_s
