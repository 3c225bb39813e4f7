package org.umsec.certs.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Minimal RFC 7468 PEM framing: encode one block, split a text into its blocks. Body decoding is
 * lenient about whitespace, strict about Base64 characters; headers (RFC 1421 {@code Proc-Type}) are
 * kept so callers can reject legacy encrypted keys clearly.
 */
public final class Pem {
    private static final Base64.Encoder ENCODER = Base64.getMimeEncoder(64, new byte[] {'\n'});

    /** One PEM block.
     *
     * @param label the label between {@code BEGIN} and the dashes, such as {@code CERTIFICATE}
     * @param der the decoded body
     * @param headers the RFC 1421 header lines, if any
     */
    public record Block(String label, byte[] der, List<String> headers) {}

    private Pem() {}

    /**
     * Encodes one block.
     *
     * @param label the label
     * @param der the body
     * @return the PEM text with a trailing newline
     */
    public static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + ENCODER.encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    /**
     * Whether the bytes look like PEM text (contain a BEGIN line).
     *
     * @param data the bytes
     * @return true for PEM
     */
    public static boolean looksLikePem(byte[] data) {
        int n = Math.min(data.length, 64 * 1024);
        return new String(data, 0, n, StandardCharsets.ISO_8859_1).contains("-----BEGIN ");
    }

    /**
     * Splits PEM text into blocks.
     *
     * @param data the text (ASCII/UTF-8)
     * @return the blocks in order
     * @throws IllegalArgumentException when a block is unterminated or its body is not Base64
     */
    public static List<Block> decode(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        List<Block> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", pos);
            if (begin < 0) {
                return out;
            }
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) {
                throw new IllegalArgumentException("unterminated PEM BEGIN line");
            }
            String label = text.substring(begin + 11, labelEnd);
            String endMarker = "-----END " + label + "-----";
            int end = text.indexOf(endMarker, labelEnd + 5);
            if (end < 0) {
                throw new IllegalArgumentException("PEM block '" + label + "' has no END line (truncated?)");
            }
            String body = text.substring(labelEnd + 5, end);
            List<String> headers = new ArrayList<>();
            StringBuilder b64 = new StringBuilder();
            for (String line : body.split("\r?\n|\r")) {
                String l = line.trim();
                if (l.isEmpty()) {
                    continue;
                }
                if (l.contains(":")) {
                    headers.add(l);
                } else {
                    b64.append(l);
                }
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(b64.toString());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("PEM block '" + label + "' is not valid Base64", e);
            }
            out.add(new Block(label, der, headers));
            pos = end + endMarker.length();
        }
    }
}
