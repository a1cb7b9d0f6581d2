import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback HTTP server that speaks PostHog's capture API and stores what it receives.
///
/// It is hogport's embedded target (try it with no PostHog account), its dry-run target, and what
/// the tests run against, with fault injection.
///
/// ```swift
/// let sink = try await SinkServer.start(SinkConfiguration(databasePath: "/tmp/sink.db", apiKey: "phc_test"))
/// print(sink.url)          // http://127.0.0.1:PORT
/// try await sink.stop()
/// ```
public final class SinkServer: Sendable {
    /// The request handling and the store behind it.
    public let router: SinkRouter
    /// The bound port.
    public let port: Int
    /// The bound host.
    public let host: String
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    /// The base URL, `http://HOST:PORT`.
    public var url: String { "http://\(host):\(port)" }

    private init(router: SinkRouter, channel: any Channel, group: MultiThreadedEventLoopGroup, host: String, port: Int) {
        self.router = router
        self.channel = channel
        self.group = group
        self.host = host
        self.port = port
    }

    /// Opens the store and starts listening.
    public static func start(_ configuration: SinkConfiguration) async throws -> SinkServer {
        let store = try SinkStore(path: configuration.databasePath)
        return try await start(router: SinkRouter(configuration: configuration, store: store))
    }

    /// Starts listening with an existing router.
    public static func start(router: SinkRouter) async throws -> SinkServer {
        let configuration = router.configuration
        // One thread: every capture ends in the same SQLite writer, so a second thread would only
        // wait on its lock (measured: the wait cost more CPU than it saved).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SinkHTTPHandler(router: router))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
            let port = channel.localAddress?.port ?? configuration.port
            return SinkServer(router: router, channel: channel, group: group, host: configuration.host, port: port)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops listening and releases the threads.
    public func stop() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }

    /// Waits until the server's channel closes.
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }
}

final class SinkHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let router: SinkRouter
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    var tooLarge = false

    init(router: SinkRouter) {
        self.router = router
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.removeAll(keepingCapacity: true)
            tooLarge = false
            if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init),
                length > router.configuration.maximumBodyBytes
            {
                tooLarge = true
            }
        case .body(let buffer):
            guard !tooLarge else { return }
            if body.count + buffer.readableBytes > router.configuration.maximumBodyBytes {
                tooLarge = true
                body = []
                return
            }
            if body.isEmpty, let length = head?.headers.first(name: "content-length").flatMap(Int.init) {
                body.reserveCapacity(min(length, router.configuration.maximumBodyBytes))
            }
            buffer.withUnsafeReadableBytes { body.append(contentsOf: $0) }
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive && !tooLarge
            let response: SinkResponse
            if tooLarge {
                response = .text(413, "request body over \(router.configuration.maximumBodyBytes) bytes")
            } else {
                let request = SinkRequest(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body)
                response = router.handle(request)
            }
            body = []
            let latency = router.configuration.faults.latencyMilliseconds
            let path = head.uri.split(separator: "?").first.map(String.init) ?? ""
            if latency > 0 && (SinkRouter.isCapture(path) || SinkQueryRoutes.isQuery(path)) {
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(latency))) {
                    let (handler, context) = loopBound.value
                    handler.write(response, head: head, keepAlive: keepAlive, context: context)
                }
            } else {
                write(response, head: head, keepAlive: keepAlive, context: context)
            }
        }
    }

    func write(_ response: SinkResponse, head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        switch response {
        case .drop:
            context.close(promise: nil)
        case .respond(let status, let headers, let bytes):
            var responseHeaders = HTTPHeaders(headers)
            responseHeaders.add(name: "Content-Length", value: String(bytes.count))
            responseHeaders.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
            let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in loopBound.value.close(promise: nil) }
            }
        }
    }
}
