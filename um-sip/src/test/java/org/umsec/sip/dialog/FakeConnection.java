package org.umsec.sip.dialog;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipResponse;

/** An in-memory connection, TLS or TCP, from a given address; records what is sent on it. */
final class FakeConnection implements SipConnection {
    final List<SipMessage> sent = new ArrayList<>();
    private final boolean secure;
    private final InetSocketAddress remote;

    FakeConnection(boolean secure, String address) {
        this.secure = secure;
        this.remote = new InetSocketAddress(address, secure ? 5061 : 5060);
    }

    @Override
    public synchronized void send(SipMessage message) {
        sent.add(message.copy());
        message.release();
    }

    @Override
    public boolean isSecure() {
        return secure;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    synchronized SipResponse lastResponse() {
        for (int i = sent.size() - 1; i >= 0; i--) {
            if (sent.get(i) instanceof SipResponse r) {
                return r;
            }
        }
        throw new AssertionError("nothing sent");
    }

    synchronized long count(int status) {
        return sent.stream()
                .filter(m -> m instanceof SipResponse r && r.status() == status)
                .count();
    }
}
