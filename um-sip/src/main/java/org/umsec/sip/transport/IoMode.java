package org.umsec.sip.transport;

import io.netty.channel.epoll.Epoll;

/** Which Netty I/O transport runs the sockets. */
public enum IoMode {
    /** Native epoll where it loads (Linux), NIO otherwise. */
    AUTO,
    /** Native epoll; fails at start when it does not load. */
    EPOLL,
    /** Java NIO: always available. */
    NIO;

    /** @return the mode {@link #AUTO} stands for here; the others stand for themselves */
    public IoMode resolve() {
        if (this != AUTO) {
            return this;
        }
        return Epoll.isAvailable() ? EPOLL : NIO;
    }
}
