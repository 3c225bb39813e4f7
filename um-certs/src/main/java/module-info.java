/**
 * umsec certificates: the server's certificate store, classification and selection (R8, R9),
 * generation, the small PKI workflow (R13), import/export (R12), identity (R10), expiry monitoring
 * (R11), live rotation, and the {@code javax.net.ssl} key and trust managers built from them.
 *
 * <p>BouncyCastle is used internally only; the public API speaks {@code java.security} and
 * {@code javax.net.ssl} types. {@code org.umsec.certs.testing} holds a test PKI builder for tests and
 * labs of other modules; it is not meant for production.
 */
module org.umsec.certs {
    requires transitive org.umsec.core;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires org.slf4j;

    exports org.umsec.certs;
    exports org.umsec.certs.testing;
}
