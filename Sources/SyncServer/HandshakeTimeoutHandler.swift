import NIOCore
import NIOTLS

/// Closes a connection whose TLS handshake has not completed within `timeout`: a client that connects and
/// sends nothing, or stalls mid-handshake, would otherwise hold a socket until the HTTP idle timeout, which
/// only starts counting once requests can flow (README "Configuration": `handshakeTimeoutSeconds`).
///
/// It sits behind the TLS handler, which announces `TLSUserEvent.handshakeCompleted` to the handlers after
/// it; everything else passes through untouched. Confined to the channel's event loop, like every handler.
final class HandshakeTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var handshakeDone = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Added while the child channel is set up, before any byte is read: the clock starts at accept.
        let channel = context.channel
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, !self.handshakeDone else { return }
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            handshakeDone = true
            cancel()
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func cancel() {
        deadline?.cancel()
        deadline = nil
    }
}
