package org.umsec.sip.codec;

import java.util.Objects;
import org.umsec.sip.SipMessage;
import org.umsec.sip.internal.MessageAssembler;
import org.umsec.sip.internal.MessageScanner;

/**
 * Parses one complete message held in memory, with datagram framing (RFC 3261 §18.3): without
 * Content-Length the body is the rest of the data, and octets past Content-Length are ignored
 * (RFC 4475 §3.1.1.8). Same checks as {@link SipMessageDecoder}. For stream transports use the decoder.
 * Thread-safe (stateless).
 */
public final class SipMessageParser {
    private final SipDecoderConfig config;
    private final ThreadLocal<MessageScanner> scanners;

    /** @param config limits and switches (Content-Length requirement is ignored) */
    public SipMessageParser(SipDecoderConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.scanners = ThreadLocal.withInitial(() -> new MessageScanner(
                config.maxStartLineLength(),
                config.maxHeaderLineLength(),
                config.maxHeaderCount(),
                config.validateHeaders()));
    }

    /** A parser with the default configuration. */
    public static SipMessageParser withDefaults() {
        return new SipMessageParser(SipDecoderConfig.defaults());
    }

    /**
     * Parses {@code data}. The message refers to {@code data}; do not change the array afterwards.
     *
     * @throws SipDecodeException when the message is rejected; its {@link SipDecodeException#error()} says
     *                            why and carries the response to send
     */
    public SipMessage parse(byte[] data) throws SipDecodeException {
        if (data.length > config.maxHeaderBytes() + (long) config.maxBodyLength()) {
            throw new SipDecodeException(new SipDecodeError(
                    513,
                    "Message too large",
                    true,
                    false,
                    org.umsec.sip.internal.SipInternals.get().headers(java.util.List.of(), java.util.List.of())));
        }
        MessageScanner sc = scanners.get();
        SipMessage m = MessageAssembler.parseWhole(data, sc, null);
        if (m == null) {
            int he = MessageAssembler.headerEnd(data, 0, data.length);
            throw new SipDecodeException(new SipDecodeError(
                    sc.errorStatus,
                    sc.errorReason,
                    sc.request,
                    false,
                    he < 0
                            ? org.umsec.sip.internal.SipInternals.get()
                                    .headers(java.util.List.of(), java.util.List.of())
                            : MessageAssembler.detachedHeaders(data, leadingCrlfs(data), sc)));
        }
        return m;
    }

    private static int leadingCrlfs(byte[] data) {
        int start = 0;
        while (start + 1 < data.length && data[start] == '\r' && data[start + 1] == '\n') {
            start += 2;
        }
        return start;
    }
}
