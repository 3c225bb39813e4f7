package org.umsec.sip.sdp;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * SDES offer/answer (RFC 4568 §7): make crypto offers with fresh keys, pick the strongest offered suite an
 * answerer supports and answer it with a fresh key under the same tag, and find which offer an answer
 * accepted. Strength follows the declaration order of {@link SdesCryptoSuite}. Stateless.
 */
public final class SdesNegotiator {
    private SdesNegotiator() {}

    /**
     * The outcome of answering an offer.
     *
     * @param offered the offered line that was accepted (its key is the offerer's sending key)
     * @param answer  the line to put in the answer (same tag and suite, the answerer's fresh key)
     * @param suite   the chosen suite
     */
    public record Selection(CryptoAttribute offered, CryptoAttribute answer, SdesCryptoSuite suite) {}

    /**
     * Crypto lines for an offer, one per suite in the given order with tags 1, 2, ...; each with a fresh
     * random key.
     */
    public static List<CryptoAttribute> offer(List<SdesCryptoSuite> suites, SecureRandom random) {
        Objects.requireNonNull(random, "random");
        if (suites.isEmpty()) {
            throw new IllegalArgumentException("no suites to offer");
        }
        List<CryptoAttribute> out = new ArrayList<>();
        int tag = 1;
        for (SdesCryptoSuite s : suites) {
            out.add(new CryptoAttribute(
                    tag++, s.suiteName(), List.of(CryptoAttribute.KeyParam.of(freshKey(s, random))), List.of()));
        }
        return out;
    }

    private static byte[] freshKey(SdesCryptoSuite s, SecureRandom random) {
        byte[] k = new byte[s.keyMaterialLength()];
        random.nextBytes(k);
        return k;
    }

    /**
     * Picks the strongest acceptable offered line and makes the answer line.
     *
     * <p>A line is acceptable when its suite is known and in {@code supported}, every key parameter has
     * the suite's key-plus-salt length, and it carries no session parameter this implementation does not
     * understand (RFC 4568 §6.3, §7.1.2). {@code UNENCRYPTED_SRTP} and {@code UNAUTHENTICATED_SRTP} lines
     * are refused: umsec does not weaken media protection on request. Among equally strong lines the one
     * offered first wins. The answer echoes the offered session parameters.
     *
     * @return the selection, or empty when nothing acceptable was offered (answer 488)
     */
    public static Optional<Selection> answer(
            List<CryptoAttribute> offered, Collection<SdesCryptoSuite> supported, SecureRandom random) {
        Objects.requireNonNull(random, "random");
        CryptoAttribute best = null;
        SdesCryptoSuite bestSuite = null;
        for (CryptoAttribute c : offered) {
            Optional<SdesCryptoSuite> s = c.knownSuite();
            if (s.isEmpty()
                    || !supported.contains(s.get())
                    || !c.unknownSessionParams().isEmpty()
                    || c.unencryptedSrtp()
                    || c.unauthenticatedSrtp()) {
                continue;
            }
            boolean lengthsOk = true;
            for (CryptoAttribute.KeyParam k : c.keyParams()) {
                lengthsOk &= k.keyMaterial().length == s.get().keyMaterialLength();
            }
            if (!lengthsOk) {
                continue;
            }
            if (best == null || s.get().ordinal() < bestSuite.ordinal()) {
                best = c;
                bestSuite = s.get();
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        CryptoAttribute answer = new CryptoAttribute(
                best.tag(),
                best.suite(),
                List.of(CryptoAttribute.KeyParam.of(freshKey(bestSuite, random))),
                best.sessionParams());
        return Optional.of(new Selection(best, answer, bestSuite));
    }

    /**
     * For the offerer: the offered line that an answer line accepted (same tag and suite; RFC 4568 §7.1.3).
     *
     * @return the offered line, or empty when the answer does not match any offer (treat as failure)
     */
    public static Optional<CryptoAttribute> accepted(List<CryptoAttribute> offered, CryptoAttribute answer) {
        for (CryptoAttribute c : offered) {
            if (c.tag() == answer.tag() && c.suite().equals(answer.suite())) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
