package org.umsec.sip.transaction;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipMessage;

/** Records what the layer sends (as heap copies, releasing the originals like an encoder would). */
final class RecordingConnection implements SipConnection {
    final List<SipMessage> sent = new ArrayList<>();
    boolean open = true;

    @Override
    public synchronized void send(SipMessage message) {
        sent.add(message.copy());
        message.release();
    }

    @Override
    public boolean isSecure() {
        return true;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress("192.0.2.9", 5061);
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    synchronized SipMessage last() {
        return sent.get(sent.size() - 1);
    }
}
