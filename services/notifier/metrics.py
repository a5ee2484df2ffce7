"""Notifier metrics, registered on the app's own registry (``app.state.metrics.registry``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)
SEND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.queued = Counter(
            "notifier_messages_queued_total",
            "Messages accepted and queued, by template",
            ["template"],
            registry=registry,
        )
        self.sent = Counter(
            "notifier_messages_sent_total", "Messages delivered, by channel", ["channel"], registry=registry
        )
        self.failed = Counter(
            "notifier_delivery_failures_total",
            "Failed delivery attempts, by channel and kind (transient, permanent, timeout, lost)",
            ["channel", "kind"],
            registry=registry,
        )
        self.fallbacks = Counter(
            "notifier_fallbacks_total",
            "Moves to the next channel, by the channel given up",
            ["channel"],
            registry=registry,
        )
        self.dead = Counter(
            "notifier_messages_dead_total",
            "Messages dead-lettered, by the last channel tried",
            ["channel"],
            registry=registry,
        )
        self.expired = Counter(
            "notifier_messages_expired_total",
            "Code messages that expired before they could be sent",
            registry=registry,
        )
        self.throttled = Counter(
            "notifier_throttled_total",
            "Sends delayed by the channel's global send-rate cap",
            ["channel"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "notifier_recipient_rate_limited_total",
            "Messages refused by the per-recipient limit (429)",
            registry=registry,
        )
        self.latency = Histogram(
            "notifier_delivery_latency_seconds",
            "From acceptance to delivery, by channel",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.send_duration = Histogram(
            "notifier_send_duration_seconds",
            "Duration of one send attempt, by channel",
            ["channel"],
            buckets=SEND_BUCKETS,
            registry=registry,
        )
        self.outbox = Gauge(
            "notifier_outbox_messages",
            "Messages in the outbox by status (sampled by the dispatcher)",
            ["status"],
            registry=registry,
        )
