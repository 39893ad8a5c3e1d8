/// Names a timer started with `sendAfter`, for cancelling it.
@frozen
public struct TimerRef: Hashable, Sendable, CustomStringConvertible {
    public let ref: Ref

    @_spi(Runtime)
    public init(_ ref: Ref) { self.ref = ref }

    public var description: String { "#Timer<\(ref.id)>" }
}
