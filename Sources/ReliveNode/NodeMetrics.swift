import Metrics
import Prometheus

/// The node's metrics, recorded through swift-metrics and read as Prometheus
/// text (`relive node metrics`). One registry per node process.
public final class NodeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    public init() {
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// The node's restarts by its watchdog (set at boot from the watchdog's count).
    public func nodeRestarts(_ count: Int) {
        Metrics.Gauge(label: "relive_node_restarts", factory: factory).record(count)
    }

    /// Live processes, sampled when read.
    public func processes(_ count: Int) {
        Metrics.Gauge(label: "relive_node_processes", factory: factory).record(count)
    }

    /// One upgrade's pause (first suspend to last resume) and outcome.
    public func upgrade(pauseSeconds: Double, outcome: String) {
        Metrics.Timer(label: "relive_upgrade_pause_seconds", dimensions: [("outcome", outcome)], factory: factory)
            .recordNanoseconds(Int64(pauseSeconds * 1e9))
        Metrics.Counter(label: "relive_upgrades_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    /// A rollback (health gate, failed install, or on command).
    public func rollback(reason: String) {
        Metrics.Counter(label: "relive_rollbacks_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// One step's time (unpack, install, make_permanent, ...).
    public func step(_ name: String, seconds: Double) {
        Metrics.Timer(label: "relive_upgrade_step_seconds", dimensions: [("step", name)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// The Prometheus text exposition of every metric.
    public func text() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
