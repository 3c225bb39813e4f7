package org.umsec.sip.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.sip.internal.MessageAssembler;
import org.umsec.sip.internal.MessageScanner;
import org.umsec.sip.internal.SipInternals;

/**
 * Frames and decodes SIP messages on a stream transport (TCP, TLS) per RFC 3261 §7 and §18.3.
 *
 * <p>Emits, in order of arrival:
 * <ul>
 * <li>{@link org.umsec.sip.SipRequest} and {@link org.umsec.sip.SipResponse} — reference counted; the
 *     receiver releases them;</li>
 * <li>{@link SipDecodeError} for each rejected message (send its {@link SipDecodeError#errorResponse()},
 *     and close the connection when {@link SipDecodeError#closeConnection()});</li>
 * <li>{@link SipKeepAlive} for RFC 5626 keep-alives (a ping is answered with CRLF by default).</li>
 * </ul>
 *
 * <h2>Framing</h2>
 * A message is its header section up to CRLF CRLF plus exactly Content-Length body bytes; Content-Length
 * is mandatory on streams, and a missing, negative, malformed or repeated Content-Length loses the framing
 * (400, then close; RFC 4475 §3.1.2.3, §3.3.9). CRLFs between messages are skipped (RFC 3261 §7.5).
 * Folded header lines, compact names and case-insensitive names are handled by the model; values are
 * kept as spans of the received bytes and turned into strings only when read.
 *
 * <h2>Limits</h2>
 * See {@link SipDecoderConfig} for every limit, its default and its outcome. The decoder never holds more
 * than the header-section limit plus the body limit of one message: an oversize body is skipped as it
 * arrives, and once framing is lost the rest of the input is discarded.
 *
 * <h2>Cost</h2>
 * Searching for the end of the header section and indexing it reuse per-decoder arrays; a decoded message
 * costs one pooled buffer holding its bytes plus small span arrays, independent of byte-by-byte arrival.
 *
 * <pre>{@code
 * pipeline.addLast(new SipMessageDecoder(SipDecoderConfig.defaults()), new SipMessageEncoder(), handler);
 * }</pre>
 *
 * <p>One instance per channel (not sharable).
 */
public final class SipMessageDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(SipMessageDecoder.class);

    private static final int START = 0;
    private static final int HEADERS = 1;
    private static final int BODY = 2;
    private static final int SKIP_BODY = 3;
    private static final int DISCARD = 4;

    private final SipDecoderConfig config;
    private final MessageScanner scanner;
    private final HeaderEndFinder finder = new HeaderEndFinder();
    private byte[] scratch = new byte[1024];
    private byte[] scanArray;
    private int scanOffset;

    private int state = START;
    private int crlfs;
    private int scanned;
    private int headerLength;
    private int bodyLength;
    private long skipRemaining;

    /** A decoder with {@link SipDecoderConfig#defaults()}. */
    public SipMessageDecoder() {
        this(SipDecoderConfig.defaults());
    }

    /** @param config limits and switches */
    public SipMessageDecoder(SipDecoderConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.scanner = new MessageScanner(
                config.maxStartLineLength(),
                config.maxHeaderLineLength(),
                config.maxHeaderCount(),
                config.validateHeaders());
    }

    /** Finds CRLF CRLF; remembers its progress so bytes are looked at once even when they trickle in. */
    private static final class HeaderEndFinder implements ByteProcessor {
        int matched;
        int seen;
        int firstLineEnd = -1;

        void reset() {
            matched = 0;
            seen = 0;
            firstLineEnd = -1;
        }

        @Override
        public boolean process(byte b) {
            seen++;
            if (b == '\r') {
                matched = matched == 2 ? 3 : 1;
            } else if (b == '\n') {
                if (matched == 1) {
                    matched = 2;
                    if (firstLineEnd < 0) {
                        firstLineEnd = seen;
                    }
                } else if (matched == 3) {
                    return false;
                } else {
                    matched = 0;
                }
            } else {
                matched = 0;
            }
            return true;
        }
    }

    /**
     * The header-end search over a heap array ({@link HeaderEndFinder} semantics, without a call per byte).
     *
     * @return the absolute buffer index of the final LF, or -1
     */
    private int findInArray(byte[] a, int arrayOffset, int from, int to) {
        HeaderEndFinder f = finder;
        int matched = f.matched;
        int seen = f.seen;
        int firstLineEnd = f.firstLineEnd;
        for (int i = from + arrayOffset, end = to + arrayOffset; i < end; i++) {
            byte b = a[i];
            seen++;
            if (b == '\r') {
                matched = matched == 2 ? 3 : 1;
            } else if (b == '\n') {
                if (matched == 1) {
                    matched = 2;
                    if (firstLineEnd < 0) {
                        firstLineEnd = seen;
                    }
                } else if (matched == 3) {
                    f.matched = 0;
                    f.seen = seen;
                    f.firstLineEnd = firstLineEnd;
                    return i - arrayOffset;
                } else {
                    matched = 0;
                }
            } else {
                matched = 0;
            }
        }
        f.matched = matched;
        f.seen = seen;
        f.firstLineEnd = firstLineEnd;
        return -1;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            switch (state) {
                case START:
                    if (!skipCrlfs(ctx, in, out)) {
                        return;
                    }
                    state = HEADERS;
                    finder.reset();
                    scanned = 0;
                    break;
                case HEADERS:
                    if (!readHeaders(in, out)) {
                        return;
                    }
                    break;
                case BODY: {
                    int total = headerLength + bodyLength;
                    if (in.readableBytes() < total) {
                        return;
                    }
                    ByteBuf frame = ctx.alloc().heapBuffer(total, total);
                    if (frame.hasArray()) {
                        // into the frame's array: Netty's buffer-to-buffer copy wraps NIO views per call (~100 B)
                        in.readBytes(frame.array(), frame.arrayOffset(), total);
                        frame.writerIndex(total);
                    } else {
                        frame.writeBytes(in, total);
                    }
                    out.add(MessageAssembler.assemble(frame, scanner, headerLength, bodyLength));
                    state = START;
                    break;
                }
                case SKIP_BODY: {
                    int n = (int) Math.min(in.readableBytes(), skipRemaining);
                    in.skipBytes(n);
                    skipRemaining -= n;
                    if (skipRemaining > 0) {
                        return;
                    }
                    state = START;
                    break;
                }
                default:
                    in.skipBytes(in.readableBytes());
                    return;
            }
        }
    }

    /** Skips CRLFs before a message, answering pings; returns true when a start line begins. */
    private boolean skipCrlfs(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            int ri = in.readerIndex();
            byte b = in.getByte(ri);
            if (b != '\r') {
                crlfs = 0;
                return true;
            }
            if (in.readableBytes() < 2) {
                return false;
            }
            if (in.getByte(ri + 1) != '\n') {
                crlfs = 0;
                return true; // let the header reader reject it
            }
            in.skipBytes(2);
            if (++crlfs == 2) {
                crlfs = 0;
                if (config.answerKeepAlivePings()) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'\r', '\n'}));
                }
                out.add(SipKeepAlive.PING);
            } else if (!in.isReadable()) {
                out.add(SipKeepAlive.PONG);
            }
        }
        return false;
    }

    private boolean readHeaders(ByteBuf in, List<Object> out) {
        int ri = in.readerIndex();
        int readable = in.readableBytes();
        int limit = Math.min(readable, config.maxHeaderBytes());
        int found = -1;
        if (scanned < limit) {
            found = in.hasArray()
                    ? findInArray(in.array(), in.arrayOffset(), ri + scanned, ri + limit)
                    : in.forEachByte(ri + scanned, limit - scanned, finder);
            scanned = found < 0 ? limit : found - ri + 1;
        }
        if (found < 0) {
            if (readable >= config.maxHeaderBytes()) {
                // The end of the message is unknown: answer and close. The verdict depends on the bytes only,
                // never on how they were segmented (a long start line that ends in time is a 414 the
                // connection survives, found by the scanner below).
                boolean request = !startsWithSip(in, ri);
                int lineLength = finder.firstLineEnd < 0 ? scanned - 1 : finder.firstLineEnd - 2;
                if (lineLength > config.maxStartLineLength()) {
                    fatal(out, request ? 414 : 400, "Start line too long", request, false);
                } else {
                    fatal(out, 513, "Header section too large", request, false);
                }
                return true;
            }
            return false;
        }
        headerLength = found - ri + 1;
        if (in.hasArray()) {
            // scan the received bytes in place
            scanArray = in.array();
            scanOffset = in.arrayOffset() + ri;
        } else {
            if (scratch.length < headerLength) {
                scratch = new byte[Math.max(headerLength, Math.min(scratch.length * 2, config.maxHeaderBytes()))];
            }
            in.getBytes(ri, scratch, 0, headerLength);
            scanArray = scratch;
            scanOffset = 0;
        }
        scanner.scan(scanArray, scanOffset, scanOffset + headerLength);
        MessageScanner sc = scanner;
        if (sc.framingError) {
            fatal(out, 400, sc.errorReason, sc.request, true);
            return true;
        }
        long cl = sc.contentLength;
        if (cl == MessageScanner.NO_CONTENT_LENGTH) {
            if (config.requireContentLength()) {
                fatal(out, 400, "Missing Content-Length", sc.request, true);
                return true;
            }
            cl = 0;
        }
        if (sc.errorStatus != 0 || cl > config.maxBodyLength()) {
            int status = sc.errorStatus != 0 ? sc.errorStatus : 413;
            String reason = sc.errorStatus != 0 ? sc.errorReason : "Body larger than " + config.maxBodyLength();
            out.add(error(status, reason, sc.request, false));
            in.skipBytes(headerLength);
            skipRemaining = cl;
            state = SKIP_BODY;
            return true;
        }
        bodyLength = (int) cl;
        state = BODY;
        return true;
    }

    private static boolean startsWithSip(ByteBuf in, int ri) {
        return in.readableBytes() >= 4
                && in.getByte(ri) == 'S'
                && in.getByte(ri + 1) == 'I'
                && in.getByte(ri + 2) == 'P'
                && in.getByte(ri + 3) == '/';
    }

    private SipDecodeError error(int status, String reason, boolean request, boolean close) {
        LOG.debug("rejecting SIP message: {} {}{}", status, reason, close ? " (closing)" : "");
        return new SipDecodeError(
                status, reason, request, close, MessageAssembler.detachedHeaders(scanArray, scanOffset, scanner));
    }

    private void fatal(List<Object> out, int status, String reason, boolean request, boolean withHeaders) {
        if (withHeaders) {
            out.add(error(status, reason, request, true));
        } else {
            LOG.debug("rejecting SIP message: {} {} (closing)", status, reason);
            out.add(new SipDecodeError(
                    status, reason, request, true, SipInternals.get().headers(List.of(), List.of())));
        }
        state = DISCARD;
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if ((state == HEADERS || state == BODY) && in.isReadable()) {
            boolean request = !startsWithSip(in, in.readerIndex());
            if (state == BODY) {
                // the cumulation may have moved since the scan: index the header section again
                if (scratch.length < headerLength) {
                    scratch = new byte[headerLength];
                }
                in.getBytes(in.readerIndex(), scratch, 0, headerLength);
                scanner.scan(scratch, 0, headerLength);
                scanArray = scratch;
                scanOffset = 0;
            }
            LOG.debug("connection closed inside a SIP message ({} bytes)", in.readableBytes());
            in.skipBytes(in.readableBytes());
            out.add(new SipDecodeError(
                    400,
                    "Connection closed inside a message",
                    request,
                    true,
                    state == BODY
                            ? MessageAssembler.detachedHeaders(scanArray, scanOffset, scanner)
                            : SipInternals.get().headers(List.of(), List.of())));
            state = DISCARD;
        }
    }
}
