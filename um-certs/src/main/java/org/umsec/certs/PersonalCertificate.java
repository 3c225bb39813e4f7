package org.umsec.certs;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A certificate the server can present, with its private key ("personal" store, as in the Windows
 * store the document uses): the chain starts with the server's certificate and may continue with the
 * intermediates that lead to its root. Immutable.
 *
 * <p>The alias names the files in the store ({@code personal/<alias>.crt} and {@code .key}) and may
 * contain only {@code [A-Za-z0-9._-]}, at most {@value #MAX_ALIAS_LENGTH} characters.
 */
public final class PersonalCertificate {
    /** Longest alias accepted. */
    public static final int MAX_ALIAS_LENGTH = 100;

    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (MAX_ALIAS_LENGTH - 1) + "}");

    private final String alias;
    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;
    private final CertificateInfo info;

    private PersonalCertificate(
            String alias, PrivateKey privateKey, List<X509Certificate> chain, CertificateInfo info) {
        this.alias = alias;
        this.privateKey = privateKey;
        this.chain = chain;
        this.info = info;
    }

    /**
     * Creates a personal certificate.
     *
     * @param alias file-safe name (see class doc)
     * @param privateKey the key matching {@code chain.get(0)}; not checked here (selection and the
     *     provider check it)
     * @param chain the certificate first, then optional intermediates
     * @return the value
     * @throws IllegalArgumentException for an invalid alias or an empty chain
     */
    public static PersonalCertificate of(String alias, PrivateKey privateKey, List<X509Certificate> chain) {
        checkAlias(alias);
        Objects.requireNonNull(privateKey, "privateKey");
        List<X509Certificate> copy = List.copyOf(chain);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("chain is empty");
        }
        return new PersonalCertificate(alias, privateKey, copy, CertificateInfo.of(copy.get(0)));
    }

    /**
     * Creates a personal certificate with an alias derived from the certificate: its CN (or
     * {@code cert}) followed by the first 8 characters of its SHA-1 thumbprint.
     *
     * @param privateKey the key
     * @param chain the certificate first, then optional intermediates
     * @return the value
     */
    public static PersonalCertificate of(PrivateKey privateKey, List<X509Certificate> chain) {
        CertificateInfo info = CertificateInfo.of(chain.get(0));
        return of(defaultAlias(info), privateKey, chain);
    }

    static String defaultAlias(CertificateInfo info) {
        String base = info.identity()
                .commonName()
                .or(() -> info.identity().dnsNames().stream().findFirst())
                .orElse("cert")
                .replaceAll("[^A-Za-z0-9._-]", "_");
        if (base.isEmpty() || !Character.isLetterOrDigit(base.charAt(0))) {
            base = "cert" + base;
        }
        if (base.length() > 60) {
            base = base.substring(0, 60);
        }
        return base + "-" + info.sha1Thumbprint().substring(0, 8).toLowerCase(java.util.Locale.ROOT);
    }

    static void checkAlias(String alias) {
        if (alias == null || !ALIAS.matcher(alias).matches()) {
            throw new IllegalArgumentException("invalid alias '" + alias + "': use 1.." + MAX_ALIAS_LENGTH
                    + " characters of [A-Za-z0-9._-], starting with a letter or digit");
        }
    }

    /** @return the alias */
    public String alias() {
        return alias;
    }

    /** @return the private key */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** @return the chain, the server's certificate first */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** @return the server's certificate ({@code chain().get(0)}) */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** @return the description of the certificate */
    public CertificateInfo info() {
        return info;
    }

    /** @return alias and certificate summary; never the key */
    @Override
    public String toString() {
        return alias + " (" + info + ")";
    }
}
