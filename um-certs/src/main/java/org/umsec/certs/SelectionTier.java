package org.umsec.certs;

/**
 * The document's selection order (R9), best first. Only valid candidates have a tier.
 */
public enum SelectionTier {
    /** 1. PKI or commercial certificate with the longest time left before expiry. */
    PKI_LONGEST(1),
    /** 2. PKI or commercial certificate with a shorter time left. */
    PKI_SHORTER(2),
    /** 3. Self-signed certificate with the longest time left. */
    SELF_SIGNED_LONGEST(3),
    /** 4. Self-signed certificate with a shorter time left. */
    SELF_SIGNED_SHORTER(4);

    private final int rank;

    SelectionTier(int rank) {
        this.rank = rank;
    }

    /** @return the document's number for this step, 1 to 4 */
    public int rank() {
        return rank;
    }
}
