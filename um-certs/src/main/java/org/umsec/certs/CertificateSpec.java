package org.umsec.certs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.umsec.certs.internal.X509Builder;
import org.umsec.certs.internal.X509Support;
import org.umsec.core.HostNames;

/**
 * What a generated certificate should say: subject, subjectAltNames, key purposes, validity and key
 * type. Used for self-signed certificates ({@link CertificateGenerator}) and for certificates a
 * {@link CertificateAuthority} issues. Immutable.
 *
 * <p>Defaults: key {@link KeyAlgorithm#EC_P256}; purposes server and client authentication; validity
 * {@value #DEFAULT_VALIDITY_DAYS} days starting at the clock's current instant; subject
 * {@code CN=<first DNS name or IP>}.
 *
 * <pre>{@code
 * CertificateSpec spec = CertificateSpec.builder()
 *         .dnsName("um1.contoso.com").ipAddress("192.0.2.10")
 *         .validity(Duration.ofDays(730)).build();
 * }</pre>
 */
public final class CertificateSpec {
    /** Default validity in days. */
    public static final int DEFAULT_VALIDITY_DAYS = 365;

    private final X500Principal subject;
    private final List<String> dnsNames;
    private final List<String> ipAddresses;
    private final Set<KeyPurpose> purposes;
    private final Instant notBefore;
    private final Instant notAfter;
    private final Duration validity;
    private final KeyAlgorithm keyAlgorithm;

    private CertificateSpec(Builder b) {
        this.dnsNames = List.copyOf(b.dnsNames);
        this.ipAddresses = List.copyOf(b.ipAddresses);
        if (b.subject == null) {
            String cn = !dnsNames.isEmpty() ? dnsNames.get(0) : !ipAddresses.isEmpty() ? ipAddresses.get(0) : null;
            if (cn == null) {
                throw new IllegalStateException("a subject or at least one DNS name or IP address is required");
            }
            this.subject = new X500Principal("CN=" + cn);
        } else {
            this.subject = b.subject;
        }
        this.purposes = Collections.unmodifiableSet(
                b.purposes.isEmpty() ? EnumSet.noneOf(KeyPurpose.class) : EnumSet.copyOf(b.purposes));
        this.notBefore = b.notBefore;
        this.notAfter = b.notAfter;
        this.validity = b.validity;
        this.keyAlgorithm = b.keyAlgorithm;
        if (notBefore != null && notAfter != null && !notAfter.isAfter(notBefore)) {
            throw new IllegalStateException("notAfter " + notAfter + " must be after notBefore " + notBefore);
        }
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the subject name */
    public X500Principal subject() {
        return subject;
    }

    /** @return subjectAltName DNS names */
    public List<String> dnsNames() {
        return dnsNames;
    }

    /** @return subjectAltName IP addresses */
    public List<String> ipAddresses() {
        return ipAddresses;
    }

    /** @return the extended key usages; empty means no EKU extension */
    public Set<KeyPurpose> purposes() {
        return purposes;
    }

    /** @return the key type to generate */
    public KeyAlgorithm keyAlgorithm() {
        return keyAlgorithm;
    }

    /**
     * Start of validity.
     *
     * @param clock the clock for the default
     * @return the explicit notBefore or the clock's current instant
     */
    public Instant notBefore(Clock clock) {
        return notBefore != null ? notBefore : clock.instant();
    }

    /**
     * End of validity.
     *
     * @param clock the clock for the default
     * @return the explicit notAfter or notBefore plus the validity
     */
    public Instant notAfter(Clock clock) {
        return notAfter != null ? notAfter : notBefore(clock).plus(validity);
    }

    /** @return the explicit notBefore, if set */
    public Optional<Instant> explicitNotBefore() {
        return Optional.ofNullable(notBefore);
    }

    X509Builder toBuilder(Clock clock) {
        List<String> oids = null;
        if (!purposes.isEmpty()) {
            oids = new ArrayList<>();
            for (KeyPurpose p : purposes) {
                oids.add(p.oid());
            }
        }
        return new X509Builder()
                .subject(subject)
                .dnsNames(dnsNames)
                .ipAddresses(ipAddresses)
                .extendedKeyUsage(oids)
                .validity(notBefore(clock), notAfter(clock));
    }

    /** Builder for {@link CertificateSpec}; setters check arguments immediately. */
    public static final class Builder {
        private X500Principal subject;
        private final List<String> dnsNames = new ArrayList<>();
        private final List<String> ipAddresses = new ArrayList<>();
        private Set<KeyPurpose> purposes = EnumSet.of(KeyPurpose.SERVER_AUTH, KeyPurpose.CLIENT_AUTH);
        private Instant notBefore;
        private Instant notAfter;
        private Duration validity = Duration.ofDays(DEFAULT_VALIDITY_DAYS);
        private KeyAlgorithm keyAlgorithm = KeyAlgorithm.EC_P256;

        private Builder() {}

        /**
         * @param dn RFC 2253 distinguished name, for example {@code CN=um1.contoso.com,O=Contoso}
         * @return this
         * @throws IllegalArgumentException when the name does not parse
         */
        public Builder subject(String dn) {
            return subject(new X500Principal(dn));
        }

        /**
         * @param dn the subject name
         * @return this
         */
        public Builder subject(X500Principal dn) {
            this.subject = Objects.requireNonNull(dn, "subject");
            return this;
        }

        /**
         * Adds a subjectAltName dNSName (lower-cased, trailing dot removed).
         *
         * @param name a host name such as {@code um1.contoso.com} (a leading {@code *.} is allowed)
         * @return this
         * @throws IllegalArgumentException when the name is not a host name
         */
        public Builder dnsName(String name) {
            Objects.requireNonNull(name, "name");
            // the one host-name rule of umsec (um-security-core), with a leading "*." for a wildcard
            String base = name.startsWith("*.") ? name.substring(2) : name;
            if (!HostNames.isHostName(base)) {
                throw new IllegalArgumentException("not a DNS host name: '" + name + "'");
            }
            dnsNames.add((name.startsWith("*.") ? "*." : "") + HostNames.normaliseHostName(base));
            return this;
        }

        /**
         * @param names host names
         * @return this
         */
        public Builder dnsNames(Collection<String> names) {
            names.forEach(this::dnsName);
            return this;
        }

        /**
         * Adds a subjectAltName iPAddress.
         *
         * @param ip an IPv4 or IPv6 literal
         * @return this
         * @throws IllegalArgumentException when not an IP literal
         */
        public Builder ipAddress(String ip) {
            Objects.requireNonNull(ip, "ip");
            ipAddresses.add(HostNames.canonicalIp(ip)
                    .orElseThrow(() -> new IllegalArgumentException("not an IP address literal: '" + ip + "'")));
            return this;
        }

        /**
         * @param ips IP literals
         * @return this
         */
        public Builder ipAddresses(Collection<String> ips) {
            ips.forEach(this::ipAddress);
            return this;
        }

        /**
         * Sets the extended key usages; an empty set omits the extension (any purpose).
         *
         * @param p the purposes
         * @return this
         */
        public Builder purposes(Set<KeyPurpose> p) {
            this.purposes = EnumSet.noneOf(KeyPurpose.class);
            this.purposes.addAll(p);
            return this;
        }

        /**
         * @param from explicit notBefore (default: the clock's instant when generated)
         * @return this
         */
        public Builder notBefore(Instant from) {
            this.notBefore = Objects.requireNonNull(from, "notBefore");
            return this;
        }

        /**
         * @param until explicit notAfter (overrides {@link #validity(Duration)})
         * @return this
         */
        public Builder notAfter(Instant until) {
            this.notAfter = Objects.requireNonNull(until, "notAfter");
            return this;
        }

        /**
         * @param d validity length from notBefore (default {@value CertificateSpec#DEFAULT_VALIDITY_DAYS} days)
         * @return this
         * @throws IllegalArgumentException when not positive
         */
        public Builder validity(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("validity must be positive: " + d);
            }
            this.validity = d;
            return this;
        }

        /**
         * @param alg key type (default {@link KeyAlgorithm#EC_P256})
         * @return this
         */
        public Builder keyAlgorithm(KeyAlgorithm alg) {
            this.keyAlgorithm = Objects.requireNonNull(alg, "keyAlgorithm");
            return this;
        }

        /**
         * @return the spec
         * @throws IllegalStateException without subject and names, or with notAfter before notBefore
         */
        public CertificateSpec build() {
            return new CertificateSpec(this);
        }
    }

    static String describe(X500Principal p) {
        return X509Support.commonName(p.getEncoded()).orElse(p.getName());
    }
}
