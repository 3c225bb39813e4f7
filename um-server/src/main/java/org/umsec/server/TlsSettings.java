package org.umsec.server;

import java.util.ArrayList;
import java.util.List;

/** The TLS policy of the server and of {@code umsec test-connectivity}: TLS 1.3 and 1.2 only. */
final class TlsSettings {

    private TlsSettings() {
    }

    static String[] protocols(String[] supported) {
        List<String> out = new ArrayList<>();
        for (String p : supported) {
            if (p.equals("TLSv1.3") || p.equals("TLSv1.2")) {
                out.add(p);
            }
        }
        return out.toArray(new String[0]);
    }
}
