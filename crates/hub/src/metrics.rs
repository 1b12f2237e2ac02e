//! Prometheus metrics: connections, stored messages, authentication failures, and how long a
//! message takes from arrival to acknowledgement (store + fsync). Served at `/metrics` to
//! loopback clients only; no label carries personal data.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The hub's metrics. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Open WebSocket connections.
    pub connections: Gauge<i64, std::sync::atomic::AtomicI64>,
    /// Messages stored (resends not counted).
    pub messages: Counter<u64, AtomicU64>,
    /// Failed login steps (password, TOTP, replay).
    pub auth_failures: Counter<u64, AtomicU64>,
    /// Seconds from a message's arrival to its acknowledgement.
    pub ack_latency: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("rampart_hub");
        let connections = Gauge::default();
        let messages = Counter::default();
        let auth_failures = Counter::default();
        // 0.5 ms … ~4 s.
        let ack_latency = Histogram::new([
            0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 4.0,
        ]);
        registry.register(
            "connections",
            "Open WebSocket connections",
            connections.clone(),
        );
        registry.register("messages_stored", "Messages stored", messages.clone());
        registry.register("auth_failures", "Failed login steps", auth_failures.clone());
        registry.register(
            "ack_latency_seconds",
            "Time from a message's arrival to its acknowledgement",
            ack_latency.clone(),
        );
        Self {
            registry: Arc::new(registry),
            connections,
            messages,
            auth_failures,
            ack_latency,
        }
    }
}

impl Metrics {
    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_metric() {
        let metrics = Metrics::default();
        metrics.messages.inc();
        metrics.ack_latency.observe(0.003);
        let text = metrics.render();
        for name in [
            "rampart_hub_connections",
            "rampart_hub_messages_stored_total 1",
            "rampart_hub_auth_failures_total",
            "rampart_hub_ack_latency_seconds_bucket",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
}
