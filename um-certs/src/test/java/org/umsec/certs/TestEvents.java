package org.umsec.certs;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;

/** Collects security events for assertions. */
final class TestEvents implements SecurityEventListener {
    final List<SecurityEvent> all = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(SecurityEvent event) {
        all.add(event);
    }

    List<SecurityEvent> of(SecurityEventType type) {
        return all.stream().filter(e -> e.type() == type).toList();
    }

    List<SecurityEventType> types() {
        return all.stream().map(SecurityEvent::type).toList();
    }

    void clear() {
        all.clear();
    }
}
