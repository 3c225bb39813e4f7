package org.umsec.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The identities a peer's certificate presents, as SIP over TLS uses them (RFC 5922 §7.1, R17): the
 * subjectAltName DNS names, and the subject common name (CN) only when there is no subjectAltName DNS
 * name. The subjectAltName IP addresses are kept for display but are <em>not</em> an identity (R26):
 * an address says where a host is, not which gateway it is, and anyone who obtains a certificate for
 * an address they once held could otherwise claim to be the gateway now at that address.
 *
 * <p>The CN counts only when the certificate has no subjectAltName DNS entry: a certificate that
 * lists DNS names has said exactly which names it is for, and an older CN must not widen that.
 * The values are kept as the certificate presents them; matching rules (case, trailing dot,
 * address forms, wildcards) belong to {@link TrustList#matchCertificate(CertificateIdentity)}.
 *
 * <pre>{@code
 * CertificateIdentity id = CertificateIdentity.of(
 *         List.of("gw1.example.com"), List.of(), Optional.of("Gateway 1"));
 * id.presentedIdentities(); // [gw1.example.com]  (the CN is ignored: a SAN DNS name exists)
 * }</pre>
 */
public final class CertificateIdentity {
    private final List<String> dnsNames;
    private final List<String> ipAddresses;
    private final Optional<String> commonName;

    private CertificateIdentity(List<String> dnsNames, List<String> ipAddresses, Optional<String> commonName) {
        this.dnsNames = dnsNames;
        this.ipAddresses = ipAddresses;
        this.commonName = commonName;
    }

    /**
     * Creates an identity from the parts of a certificate.
     *
     * @param dnsNames subjectAltName dNSName entries, in certificate order
     * @param ipAddresses subjectAltName iPAddress entries as text, in certificate order
     * @param commonName the most specific subject CN, if any
     * @return the identity
     * @throws NullPointerException if an argument or a list element is null
     */
    public static CertificateIdentity of(List<String> dnsNames, List<String> ipAddresses, Optional<String> commonName) {
        Objects.requireNonNull(dnsNames, "dnsNames must not be null");
        Objects.requireNonNull(ipAddresses, "ipAddresses must not be null");
        Objects.requireNonNull(commonName, "commonName must not be null (use Optional.empty())");
        return new CertificateIdentity(List.copyOf(dnsNames), List.copyOf(ipAddresses), commonName);
    }

    /**
     * Returns the subjectAltName DNS names.
     *
     * @return an unmodifiable list
     */
    public List<String> dnsNames() {
        return dnsNames;
    }

    /**
     * Returns the subjectAltName IP addresses as text. They are informational only: they never
     * take part in matching a gateway ({@link #presentedIdentities()}).
     *
     * @return an unmodifiable list
     */
    public List<String> ipAddresses() {
        return ipAddresses;
    }

    /**
     * Returns the subject common name.
     *
     * @return the CN, if the subject has one
     */
    public Optional<String> commonName() {
        return commonName;
    }

    /**
     * Returns the identities that take part in matching: the SAN DNS names, or the CN when there
     * are no SAN DNS names (RFC 5922 §7.1). SAN IP addresses are never an identity.
     *
     * @return an unmodifiable list, possibly empty
     */
    public List<String> presentedIdentities() {
        List<String> out = new ArrayList<>(dnsNames.size() + 1);
        out.addAll(dnsNames);
        if (dnsNames.isEmpty()) {
            commonName.ifPresent(out::add);
        }
        return List.copyOf(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertificateIdentity
                && dnsNames.equals(((CertificateIdentity) o).dnsNames)
                && ipAddresses.equals(((CertificateIdentity) o).ipAddresses)
                && commonName.equals(((CertificateIdentity) o).commonName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dnsNames, ipAddresses, commonName);
    }

    @Override
    public String toString() {
        return "CertificateIdentity{dns=" + dnsNames + ", ip=" + ipAddresses + ", cn=" + commonName.orElse("") + "}";
    }
}
