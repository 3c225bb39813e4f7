/**
 * umsec SIP: the SIP message model and application API ({@code org.umsec.sip}), the Netty stream codec
 * ({@code org.umsec.sip.codec}), SDP with SDES keys and their bridge to um-srtp's policies
 * ({@code org.umsec.sip.sdp}), dialogs ({@code org.umsec.sip.dialog}), the transaction layer for reliable
 * transports ({@code org.umsec.sip.transaction}) and the TCP and mutual-TLS transport, server and client
 * ({@code org.umsec.sip.transport}).
 */
module org.umsec.sip {
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
    requires transitive io.netty.transport;
    requires transitive io.netty.codec;
    requires transitive org.umsec.core;
    requires org.slf4j;
    requires transitive org.umsec.certs;
    requires transitive org.umsec.srtp;
    requires io.netty.handler;
    requires io.netty.tcnative.classes.openssl;
    requires io.netty.transport.classes.epoll;

    exports org.umsec.sip;
    exports org.umsec.sip.codec;
    exports org.umsec.sip.dialog;
    exports org.umsec.sip.sdp;
    exports org.umsec.sip.transaction;
    exports org.umsec.sip.transport;
}
