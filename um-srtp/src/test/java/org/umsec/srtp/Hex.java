package org.umsec.srtp;

import java.util.HexFormat;

/** Hex helpers for tests. */
final class Hex {
    private Hex() {}

    static byte[] decode(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    static String encode(byte[] b, int off, int len) {
        return HexFormat.of().formatHex(b, off, off + len);
    }

    static String encode(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
