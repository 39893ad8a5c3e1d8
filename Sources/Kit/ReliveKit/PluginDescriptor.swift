/// What a plugin (`<app>-<vsn>.so`) says about itself: the object its one C
/// entry point, ``PluginEntryPoint/symbol``, returns.
///
/// The code server checks ``abiVersion`` against ``KitABI/version`` before
/// it calls anything else, and that ``application`` and ``version`` match the
/// file name.
public protocol PluginDescriptor: AnyObject, Sendable {
    /// The ``KitABI/version`` the plugin was built against.
    var abiVersion: Int { get }
    /// The application the plugin holds the code of.
    var application: String { get }
    /// The application's version.
    var version: String { get }
}

/// The C entry point every plugin exports.
///
/// A plugin defines it as
/// ```swift
/// @_cdecl("relive_plugin_descriptor")
/// public func reliveDescriptor() -> UnsafeMutableRawPointer {
///     Unmanaged.passRetained(MyDescriptor()).toOpaque()
/// }
/// ```
/// The host takes the retained object and casts it to ``PluginDescriptor``.
public enum PluginEntryPoint {
    /// The symbol's name.
    public static let symbol = "relive_plugin_descriptor"
    /// The symbol's type.
    public typealias Function = @convention(c) () -> UnsafeMutableRawPointer
}
