package org.umsec.core;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The trusted VoIP devices (R5): the IP gateways and IP PBXs a Unified Messaging server will talk
 * to. In Exchange the configured UM IP gateways <em>are</em> this list; the server accepts calls
 * only from them and places calls only to them. This blocks denial-of-service floods from random
 * hosts and SIP proxy impersonation: a peer whose certificate chains to a trusted root is still
 * refused unless its identity is on the list (R17).
 *
 * <h2>Entries and matching</h2>
 * <ul>
 *   <li>An entry is an FQDN ({@code gw1.example.com}) or an IP literal ({@code 192.0.2.10},
 *       {@code 2001:db8::10}, {@code [2001:db8::10]}).</li>
 *   <li>FQDNs match exactly, ignoring ASCII case and one trailing dot: {@code GW1.Example.COM.}
 *       equals {@code gw1.example.com}. No suffix or prefix matching:
 *       {@code evil-gw1.example.com} and {@code gw1.example.com.evil.net} do not match.</li>
 *   <li>IP literals match as addresses, so every textual form of one address is the same entry
 *       ({@code ::1} and {@code 0:0:0:0:0:0:0:1}; {@code ::ffff:192.0.2.1} and {@code 192.0.2.1}).
 *       {@link #entries()} shows IPv6 in RFC 5952 form.</li>
 *   <li>Wildcards are off by default: RFC 5922 §7.2 forbids them for SIP domain certificates.
 *       With {@link Builder#allowWildcards(boolean) allowWildcards(true)} an entry or a presented
 *       certificate name may be {@code *.example.com}: the {@code *} stands for exactly one whole
 *       left-most label ({@code gw1.example.com} matches, {@code a.gw1.example.com} and
 *       {@code example.com} do not). Partial-label wildcards ({@code gw*.example.com}) and
 *       wildcards over IP addresses never match. Wildcard suffixes need at least two labels
 *       ({@code *.com} is refused).</li>
 * </ul>
 *
 * <h2>Two checks</h2>
 * <ul>
 *   <li>{@link #matchCertificate(CertificateIdentity)} for mutual TLS: the peer certificate's
 *       subjectAltName DNS names or, only when it has no SAN DNS name, its CN (RFC 5922 §7.1),
 *       against the FQDN entries. SAN IP addresses are not identities (R26).</li>
 *   <li>{@link #isTrustedAddress(InetAddress)} for plain TCP, where nothing but the source address
 *       is known: IP entries, plus the addresses the {@link AddressResolver} returns for each FQDN
 *       entry. Resolution happens on every call that reaches the FQDN entries; inject a caching
 *       resolver if that is too slow. A name that fails to resolve simply does not match.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 *
 * <pre>{@code
 * TrustList trusted = TrustList.builder()
 *         .add("gw1.example.com")
 *         .add("192.0.2.10")
 *         .build();
 * trusted.matchCertificate(CertificateIdentity.of(List.of("GW1.example.com."), List.of(), Optional.empty()));
 *     // Optional[gw1.example.com]
 * trusted.isTrustedName("gw2.example.com"); // false
 * }</pre>
 */
public final class TrustList {
    private static final Logger LOG = System.getLogger(TrustList.class.getName());

    private final Set<String> entries;
    private final Set<String> names;
    private final Set<String> wildcardSuffixes;
    private final Map<InetAddress, String> addresses;
    private final boolean wildcards;
    private final AddressResolver resolver;

    private TrustList(Builder b) {
        this.entries = Collections.unmodifiableSet(new LinkedHashSet<>(b.entries));
        Set<String> n = new LinkedHashSet<>();
        Set<String> w = new LinkedHashSet<>();
        Map<InetAddress, String> a = new LinkedHashMap<>();
        for (String e : b.entries) {
            Optional<InetAddress> ip = HostNames.parseIpLiteral(e);
            if (ip.isPresent()) {
                a.put(ip.get(), e);
            } else if (e.startsWith("*.")) {
                w.add(e.substring(2));
            } else {
                n.add(e);
            }
        }
        this.names = Collections.unmodifiableSet(n);
        this.wildcardSuffixes = Collections.unmodifiableSet(w);
        this.addresses = Collections.unmodifiableMap(a);
        this.wildcards = b.wildcards;
        this.resolver = b.resolver;
    }

    /**
     * Starts an empty trust list with wildcards off and the {@linkplain AddressResolver#system()
     * system resolver}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a trust list from FQDNs and IP literals with the defaults of {@link #builder()}.
     *
     * @param fqdnsOrIps the entries
     * @return the trust list
     * @throws NullPointerException if the collection or an element is null
     * @throws IllegalArgumentException if an element is neither a valid FQDN nor an IP literal, or is
     *         a wildcard
     */
    public static TrustList of(Collection<String> fqdnsOrIps) {
        return builder().addAll(fqdnsOrIps).build();
    }

    /**
     * Returns the entries in normalised form: names in lower case without trailing dot, IPv4 as a
     * dotted quad, IPv6 in RFC 5952 form, in the order first added.
     *
     * @return an unmodifiable set
     */
    public Set<String> entries() {
        return entries;
    }

    /**
     * Returns whether the list has no entry; an empty list trusts nobody.
     *
     * @return {@code true} if there are no entries
     */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * Returns the FQDN entries (neither IP literals nor wildcards), in {@link #entries()} form.
     *
     * @return an unmodifiable set in the order first added
     */
    public Set<String> nameEntries() {
        return names;
    }

    /**
     * Returns the IP literal entries as addresses (IPv4-mapped IPv6 addresses as IPv4).
     *
     * @return an unmodifiable set in the order first added
     */
    public Set<InetAddress> addressEntries() {
        return addresses.keySet();
    }

    /**
     * Returns the resolver used for FQDN entries by {@link #matchAddress(InetAddress)}, so that a
     * listener can resolve the entries itself (cached, off its I/O threads).
     *
     * @return the resolver chosen with {@link Builder#resolver(AddressResolver)}
     */
    public AddressResolver resolver() {
        return resolver;
    }

    /**
     * Returns whether wildcard entries and wildcard certificate names are honoured.
     *
     * @return the setting chosen with {@link Builder#allowWildcards(boolean)}
     */
    public boolean wildcardsAllowed() {
        return wildcards;
    }

    /**
     * Checks a peer certificate's identities against the list (R17, RFC 5922 §7.1): its SAN DNS
     * names, or its CN when it has no SAN DNS name, against the FQDN entries. SAN IP addresses are
     * not identities and IP literal entries never match a certificate (R26): a certificate naming
     * only {@code IP:192.0.2.10} is not the gateway at 192.0.2.10.
     *
     * @param id the identities the peer's certificate presents
     * @return the entry that matched (in {@link #entries()} form), or empty if the peer must be refused
     * @throws NullPointerException if {@code id} is null
     */
    public Optional<String> matchCertificate(CertificateIdentity id) {
        Objects.requireNonNull(id, "certificate identity must not be null");
        for (String dns : id.dnsNames()) {
            Optional<String> m = matchPresentedName(dns);
            if (m.isPresent()) {
                return m;
            }
        }
        if (id.dnsNames().isEmpty() && id.commonName().isPresent()) {
            return matchPresentedName(id.commonName().get());
        }
        return Optional.empty();
    }

    /**
     * Checks a host name or IP literal against the list, for example the host of a gateway URI.
     *
     * @param fqdn a host name or IP literal
     * @return the entry that matched, or empty
     * @throws NullPointerException if {@code fqdn} is null
     */
    public Optional<String> matchName(String fqdn) {
        Objects.requireNonNull(fqdn, "name must not be null");
        Optional<InetAddress> a = HostNames.parseIpLiteral(fqdn);
        if (a.isPresent()) {
            return Optional.ofNullable(addresses.get(a.get()));
        }
        String n = HostNames.normaliseName(fqdn);
        if (!HostNames.isValidName(n)) {
            return Optional.empty();
        }
        return matchValidName(n);
    }

    /**
     * Returns whether a host name or IP literal is on the list; see {@link #matchName(String)}.
     *
     * @param fqdn a host name or IP literal
     * @return {@code true} if it matches an entry
     * @throws NullPointerException if {@code fqdn} is null
     */
    public boolean isTrustedName(String fqdn) {
        return matchName(fqdn).isPresent();
    }

    /**
     * Checks the source address of a connection: first the IP entries, then the resolved addresses
     * of each FQDN entry in list order. Wildcard entries are never resolved.
     *
     * @param source the peer's address
     * @return the entry that matched, or empty
     * @throws NullPointerException if {@code source} is null
     */
    public Optional<String> matchAddress(InetAddress source) {
        Objects.requireNonNull(source, "source address must not be null");
        InetAddress s = HostNames.byAddress(source.getAddress());
        String direct = addresses.get(s);
        if (direct != null) {
            return Optional.of(direct);
        }
        for (String name : names) {
            List<InetAddress> resolved;
            try {
                resolved = resolver.resolve(name);
            } catch (UnknownHostException e) {
                LOG.log(Level.DEBUG, () -> "Trusted name " + name + " does not resolve: " + e.getMessage());
                continue;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Resolver failed for trusted name " + name, e);
                continue;
            }
            if (resolved == null) {
                continue;
            }
            for (InetAddress r : resolved) {
                if (r != null && HostNames.byAddress(r.getAddress()).equals(s)) {
                    return Optional.of(name);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Returns whether a connection from {@code source} comes from a trusted device; see
     * {@link #matchAddress(InetAddress)}.
     *
     * @param source the peer's address
     * @return {@code true} if the address belongs to an entry
     * @throws NullPointerException if {@code source} is null
     */
    public boolean isTrustedAddress(InetAddress source) {
        return matchAddress(source).isPresent();
    }

    private Optional<String> matchPresentedName(String presented) {
        String p = HostNames.normaliseName(presented.strip());
        if (p.startsWith("*.")) {
            // A wildcard certificate: only if allowed, and then it stands for one left-most label.
            String suffix = p.substring(2);
            if (!wildcards || !validWildcardSuffix(suffix)) {
                return Optional.empty();
            }
            for (String n : names) {
                if (isOneLabelUnder(n, suffix)) {
                    return Optional.of(n);
                }
            }
            return wildcardSuffixes.contains(suffix) ? Optional.of("*." + suffix) : Optional.empty();
        }
        if (!HostNames.isValidName(p)) {
            return Optional.empty();
        }
        return matchValidName(p);
    }

    private Optional<String> matchValidName(String n) {
        if (names.contains(n)) {
            return Optional.of(n);
        }
        if (wildcards) {
            int dot = n.indexOf('.');
            if (dot > 0 && wildcardSuffixes.contains(n.substring(dot + 1))) {
                return Optional.of("*." + n.substring(dot + 1));
            }
        }
        return Optional.empty();
    }

    private static boolean isOneLabelUnder(String name, String suffix) {
        int dot = name.indexOf('.');
        return dot > 0 && name.substring(dot + 1).equals(suffix);
    }

    static boolean validWildcardSuffix(String suffix) {
        return HostNames.isValidName(suffix) && HostNames.labelCount(suffix) >= 2;
    }

    @Override
    public String toString() {
        return "TrustList" + entries + (wildcards ? " (wildcards allowed)" : "");
    }

    /**
     * Builds a {@link TrustList}. Each entry is checked when added; the wildcard setting is checked
     * against the entries in {@link #build()}. Not thread-safe.
     */
    public static final class Builder {
        private final Set<String> entries = new LinkedHashSet<>();
        private boolean wildcards;
        private AddressResolver resolver = AddressResolver.system();

        private Builder() {}

        /**
         * Adds an FQDN, an IP literal or (with wildcards allowed) a {@code *.domain} entry. Surrounding
         * white space is ignored; adding an entry twice, in any spelling, keeps one.
         *
         * @param fqdnOrIp the entry
         * @return this builder
         * @throws NullPointerException if {@code fqdnOrIp} is null
         * @throws IllegalArgumentException if it is blank, or neither a valid FQDN, an IP literal nor a
         *         {@code *.domain} wildcard with at least two labels after the {@code *}
         */
        public Builder add(String fqdnOrIp) {
            entries.add(normaliseEntry(fqdnOrIp));
            return this;
        }

        /**
         * Adds every element with {@link #add(String)}.
         *
         * @param c the entries
         * @return this builder
         * @throws NullPointerException if {@code c} or an element is null
         * @throws IllegalArgumentException if an element is invalid; nothing from {@code c} is added then
         */
        public Builder addAll(Collection<String> c) {
            Objects.requireNonNull(c, "entries must not be null");
            List<String> normalised = new ArrayList<>(c.size());
            for (String e : c) {
                normalised.add(normaliseEntry(e));
            }
            entries.addAll(normalised);
            return this;
        }

        /**
         * Allows {@code *.domain} entries and wildcard certificate names. Off by default, as RFC 5922
         * §7.2 requires for SIP: a wildcard lets any host holding such a certificate impersonate every
         * gateway in the domain. Turn on only for gateways that cannot be given their own certificate.
         *
         * @param b {@code true} to allow wildcards
         * @return this builder
         */
        public Builder allowWildcards(boolean b) {
            this.wildcards = b;
            return this;
        }

        /**
         * Sets the resolver used by {@link TrustList#isTrustedAddress(InetAddress)} for FQDN entries.
         *
         * @param r the resolver
         * @return this builder
         * @throws NullPointerException if {@code r} is null
         */
        public Builder resolver(AddressResolver r) {
            this.resolver = Objects.requireNonNull(r, "resolver must not be null");
            return this;
        }

        /**
         * Builds the trust list.
         *
         * @return the trust list
         * @throws IllegalStateException if a wildcard entry was added but wildcards are not allowed
         */
        public TrustList build() {
            if (!wildcards) {
                for (String e : entries) {
                    if (e.startsWith("*.")) {
                        throw new IllegalStateException(
                                "Trust list entry '" + e
                                        + "' is a wildcard, but wildcards are off (RFC 5922 §7.2); call allowWildcards(true) to accept it");
                    }
                }
            }
            return new TrustList(this);
        }

        private static String normaliseEntry(String raw) {
            Objects.requireNonNull(raw, "trust list entry must not be null");
            String s = raw.strip();
            if (s.isEmpty()) {
                throw new IllegalArgumentException("trust list entry must not be blank");
            }
            Optional<InetAddress> ip = HostNames.parseIpLiteral(s);
            if (ip.isPresent()) {
                return HostNames.canonical(ip.get());
            }
            String n = HostNames.normaliseName(s);
            if (n.startsWith("*.")) {
                if (!validWildcardSuffix(n.substring(2))) {
                    throw new IllegalArgumentException(
                            "Trust list entry '" + raw
                                    + "' is not a valid wildcard: only '*.' followed by a domain of at least two labels is allowed");
                }
                return n;
            }
            if (!HostNames.isValidName(n)) {
                throw new IllegalArgumentException(
                        "Trust list entry '" + raw + "' is neither a valid FQDN nor an IP address literal");
            }
            return n;
        }
    }
}
