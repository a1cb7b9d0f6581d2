import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The production ``HTTPTransport`` over AsyncHTTPClient.
///
/// Each request gets its own deadline: AsyncHTTPClient keeps retrying a refused connection until
/// the deadline, so a short one lets PostHogKit's own retry policy decide what happens next.
public final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient
    private let maximumResponseBytes: Int

    /// - Parameters:
    ///   - maximumConnections: connections kept per host (the import's concurrency).
    ///   - maximumResponseBytes: responses larger than this are an error (``HTTPResponseTooLarge``).
    public init(maximumConnections: Int = 8, maximumResponseBytes: Int = 64 * 1024 * 1024) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maximumConnections)
        configuration.timeout = .init(connect: .seconds(10))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.maximumResponseBytes = maximumResponseBytes
    }

    public func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let nanos = request.timeout.components.seconds * 1_000_000_000 + request.timeout.components.attoseconds / 1_000_000_000
        let response = try await client.execute(outgoing, timeout: .nanoseconds(nanos))
        var buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: maximumResponseBytes)
        } catch is NIOTooManyBytesError {
            throw HTTPResponseTooLarge(limit: maximumResponseBytes)
        }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return HTTPTransportResponse(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}
