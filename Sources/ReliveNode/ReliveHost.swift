import Foundation

/// The host a node runs on: this build of the node program and the kit it
/// carries, named by the version releases give as `{erts, Vsn}`. A release on
/// another host is booted on that host's program (`hosts/<vsn>/bin/relive`)
/// through the watchdog, OTP's `restart_new_emulator`.
public enum ReliveHost {
    /// This build's host version.
    public static let built = "relive-0.1.0"

    /// The version this process runs as: ``built``, unless the test-only
    /// `RELIVE_TEST_HOST_VERSION` names another — so the host-upgrade tests
    /// can stand one binary in for two hosts instead of building a second.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["RELIVE_TEST_HOST_VERSION"] ?? built
    }
}
