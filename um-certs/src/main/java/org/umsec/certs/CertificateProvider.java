package org.umsec.certs;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.internal.KeyChecks;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventBus;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;

/**
 * Holds the certificate the server uses and keeps it current without a restart (R9, R10, beyond).
 *
 * <p>On {@link #refresh()} — called by the application, or by the store watcher when
 * {@link Builder#watchStore(boolean)} is on — it reloads the store and runs {@link CertificateSelector}.
 * Before using a candidate it proves that the private key belongs to the certificate (it signs and
 * verifies a probe); a candidate that fails is reported once as
 * {@link SecurityEventType#CERTIFICATE_CANDIDATE_REJECTED} and passed over, so a broken replacement
 * (a new certificate next to the wrong key) leaves the previous certificate in use. When no
 * candidate is valid it generates a self-signed certificate for the configured names, stores it and
 * uses it ({@link SecurityEventType#CERTIFICATE_GENERATED} with the R15 warning); with generation off
 * it raises {@link SecurityEventType#NO_VALID_CERTIFICATE} and has no current certificate.
 *
 * <p>Certificate control (R29, issue 12):
 * <ul>
 * <li><b>Pin</b> ({@link Builder#pin}): the provider uses only the certificate with that SHA-1
 * thumbprint or store alias, never another one and never a generated one. If it is missing, invalid
 * or its key does not match when the provider is built, {@link Builder#build()} fails with
 * {@link CertificateUnavailableException} and a {@link SecurityEventType#CERTIFICATE_PIN_FAILED} event;
 * if that happens later (a store change, expiry), the certificate in use is kept and the event raised.</li>
 * <li><b>No tier downgrade</b> ({@link Builder#allowTierDowngrade}, default off): once a CA-issued
 * certificate is in use, a switch to a self-signed one (selected or generated) is refused with
 * {@link SecurityEventType#CERTIFICATE_SWITCH_REFUSED} and the CA-issued certificate kept: gateways
 * that trust the CA do not trust a self-signed certificate.</li>
 * <li><b>Unreadable files are errors, not a reason to generate</b>: when nothing is valid and a file in
 * {@code personal/} could not be read (an unreadable or corrupt private key), no certificate is
 * generated; {@link Builder#build()} fails with {@link CertificateUnavailableException} naming the
 * file and the cause, and a running provider keeps its certificate
 * ({@link SecurityEventType#CERTIFICATE_SWITCH_REFUSED}).</li>
 * </ul>
 *
 * <p>The first certificate used raises {@link SecurityEventType#CERTIFICATE_IN_USE}, each later change
 * {@link SecurityEventType#CERTIFICATE_CHANGED}; both carry {@code issuer}, {@code serial} and
 * {@code thumbprint} (SHA-1), as the document logs them (R10). Listeners added with
 * {@link #addListener} hear every change; the {@link #keyManager()} always answers with the latest
 * certificate, so new TLS handshakes rotate while established sessions continue.
 *
 * <pre>{@code
 * CertificateProvider provider = CertificateProvider.builder(store)
 *         .criteria(SelectionCriteria.serverAndClientAuth())
 *         .selfSigned(CertificateSpec.builder().dnsName("um1.contoso.com").build())
 *         .events(bus).clock(clock).watchStore(true).build();
 * SSLContext ctx = SSLContext.getInstance("TLS");
 * ctx.init(new KeyManager[] {provider.keyManager()}, trustManagers, null);
 * }</pre>
 *
 * <p>Thread-safe: refreshes are serialised; readers never block.
 */
public final class CertificateProvider implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateProvider.class);
    private static final int RECENT_ALIASES = 8;

    private final CertificateStore store;
    private final SelectionCriteria criteria;
    private final Clock clock;
    private final SecurityEventListener events;
    private final CertificateSpec selfSignedSpec;
    private final String pin;
    private final boolean allowTierDowngrade;
    private String lastRefusal;
    private String problem;
    private final CopyOnWriteArrayList<Consumer<SelectedCertificate>> listeners = new CopyOnWriteArrayList<>();
    private final Set<String> reportedBroken = new HashSet<>();
    private final Map<String, PersonalCertificate> recent = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PersonalCertificate> eldest) {
            return size() > RECENT_ALIASES;
        }
    };
    private final KeyManager keyManager = new KeyManager();
    private volatile SelectedCertificate current;
    private volatile SelectionResult lastSelection;
    private AutoCloseable watcher;

    private CertificateProvider(Builder b) {
        this.store = b.store;
        this.criteria = b.criteria;
        this.clock = b.clock;
        this.events = b.events;
        this.selfSignedSpec = b.selfSignedSpec;
        this.pin = b.pin;
        this.allowTierDowngrade = b.allowTierDowngrade;
    }

    /**
     * @param store the store to select from
     * @return a builder
     */
    public static Builder builder(CertificateStore store) {
        return new Builder(store);
    }

    /** @return the certificate in use, empty only when nothing is valid and generation is off */
    public Optional<SelectedCertificate> current() {
        return Optional.ofNullable(current);
    }

    /** @return the latest selection with every candidate explained */
    public SelectionResult lastSelection() {
        return lastSelection;
    }

    /** @return the pin ({@link Builder#pin}): a normalised SHA-1 thumbprint or an alias; empty when not pinned */
    public Optional<String> pin() {
        return Optional.ofNullable(pin);
    }

    /** @return the criteria certificates are selected by */
    public SelectionCriteria criteria() {
        return criteria;
    }

    /**
     * Registers a listener for certificate changes; it runs on the refreshing thread. A listener
     * that throws is logged and skipped.
     *
     * @param listener receives each newly selected certificate
     * @return closes the registration
     */
    public AutoCloseable addListener(Consumer<SelectedCertificate> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Reloads the store and re-runs selection; switches certificate if the choice changed.
     *
     * @return the certificate in use afterwards
     * @throws IOException when the store cannot be read or a generated certificate cannot be written
     */
    public synchronized Optional<SelectedCertificate> refresh() throws IOException {
        StoreContents contents = store.reload();
        SelectionResult result = CertificateSelector.select(contents, criteria, clock);
        lastSelection = result;
        SelectedCertificate previous = current;
        problem = null;
        if (pin != null) {
            return refreshPinned(result, previous);
        }
        PersonalCertificate chosen = null;
        for (SelectionCandidate c : result.valid()) {
            PersonalCertificate pc = c.certificate();
            if (previous != null && sameCertificate(previous.certificate(), pc)) {
                chosen = previous.certificate();
                break;
            }
            String broken = KeyChecks.mismatch(pc.privateKey(), pc.certificate().getPublicKey());
            if (broken == null) {
                chosen = pc;
                break;
            }
            if (reportedBroken.add(pc.info().sha256Thumbprint())) {
                LOG.warn("certificate candidate {} rejected: {}", pc, broken);
                publish(SecurityEvent.builder(SecurityEventType.CERTIFICATE_CANDIDATE_REJECTED, clock)
                        .message("certificate candidate rejected: " + broken
                                + (previous != null ? "; keeping the certificate in use" : ""))
                        .field("alias", pc.alias())
                        .field("issuer", pc.info().issuer().getName())
                        .field("serial", pc.info().serialNumberHex())
                        .field("thumbprint", pc.info().sha1Thumbprint())
                        .field("reason", broken)
                        .field("kept", previous != null ? previous.info().sha1Thumbprint() : "")
                        .build());
            }
        }
        boolean generated = false;
        if (chosen == null) {
            LOG.warn("no valid certificate in store {}:\n{}", store.directory(), result.explain());
            if (selfSignedSpec == null) {
                publish(SecurityEvent.builder(SecurityEventType.NO_VALID_CERTIFICATE, clock)
                        .message("no valid certificate in the store and generation is off")
                        .field("store", store.directory())
                        .field("candidates", result.candidates().size())
                        .field("explanation", result.explain())
                        .build());
                current = null;
                return Optional.empty();
            }
            List<SkippedFile> unreadable = unreadablePersonalFiles();
            if (!unreadable.isEmpty()) {
                String why = "no valid certificate and personal store file(s) unreadable, so no self-signed certificate"
                        + " is generated: " + describe(unreadable);
                if (previous != null) {
                    return refuse(SecurityEventType.CERTIFICATE_SWITCH_REFUSED, why, previous, null);
                }
                refuse(SecurityEventType.NO_VALID_CERTIFICATE, why, null, null);
                problem = why;
                current = null;
                return Optional.empty();
            }
            if (previous != null && isDowngrade(previous.certificate(), CertificateKind.SELF_SIGNED)) {
                return refuse(
                        SecurityEventType.CERTIFICATE_SWITCH_REFUSED,
                        "no valid CA-issued certificate is left and"
                                + " generating a self-signed one would downgrade the certificate tier (CA-issued to self-signed),"
                                + " which is not allowed",
                        previous,
                        null);
            }
            chosen = generate();
            generated = true;
        } else if (previous != null && chosen == previous.certificate()) {
            return Optional.of(previous);
        } else if (previous != null
                && isDowngrade(previous.certificate(), chosen.info().kind())) {
            return refuse(
                    SecurityEventType.CERTIFICATE_SWITCH_REFUSED,
                    "switching to self-signed certificate "
                            + chosen.alias()
                            + " would downgrade the certificate tier (CA-issued to self-signed), which is not"
                            + " allowed",
                    previous,
                    chosen);
        }
        lastRefusal = null;
        SelectedCertificate next = new SelectedCertificate(chosen, lastSelection, generated, clock.instant());
        synchronized (recent) {
            recent.put(keyManagerAlias(chosen), chosen);
        }
        current = next;
        announce(previous, next);
        return Optional.of(next);
    }

    private Optional<SelectedCertificate> refreshPinned(SelectionResult result, SelectedCertificate previous) {
        SelectionCandidate match = null;
        for (SelectionCandidate c : result.candidates()) {
            if (pinMatches(c.certificate()) && (match == null || (!match.isValid() && c.isValid()))) {
                match = c;
            }
        }
        String why = null;
        if (match == null) {
            List<SkippedFile> unreadable = unreadablePersonalFiles();
            why = "pinned certificate " + pin + " is not in the store " + store.directory()
                    + (unreadable.isEmpty() ? "" : "; unreadable: " + describe(unreadable));
        } else if (!match.isValid()) {
            why = "pinned certificate " + pin + " (" + match.certificate().alias() + ") is not valid: "
                    + match.validation();
        } else {
            String broken = KeyChecks.mismatch(
                    match.certificate().privateKey(),
                    match.certificate().certificate().getPublicKey());
            if (broken != null) {
                why = "pinned certificate " + pin + " (" + match.certificate().alias() + ") cannot be used: " + broken;
            }
        }
        if (why != null) {
            if (previous != null) {
                return refuse(SecurityEventType.CERTIFICATE_PIN_FAILED, why, previous, null);
            }
            refuse(SecurityEventType.CERTIFICATE_PIN_FAILED, why, null, null);
            problem = why;
            current = null;
            return Optional.empty();
        }
        lastRefusal = null;
        PersonalCertificate pc = match.certificate();
        if (previous != null && sameCertificate(previous.certificate(), pc)) {
            return Optional.of(previous);
        }
        SelectedCertificate next = new SelectedCertificate(pc, lastSelection, false, clock.instant());
        synchronized (recent) {
            recent.put(keyManagerAlias(pc), pc);
        }
        current = next;
        announce(previous, next);
        return Optional.of(next);
    }

    private boolean pinMatches(PersonalCertificate pc) {
        return pc.alias().equals(pin) || pc.info().sha1Thumbprint().equals(pin);
    }

    private boolean isDowngrade(PersonalCertificate from, CertificateKind to) {
        return !allowTierDowngrade
                && from.info().kind() == CertificateKind.CA_ISSUED
                && to == CertificateKind.SELF_SIGNED;
    }

    private List<SkippedFile> unreadablePersonalFiles() {
        Path personal = store.directory().resolve("personal");
        List<SkippedFile> out = new ArrayList<>();
        for (SkippedFile f : store.skippedFiles()) {
            if (f.file().startsWith(personal)) {
                out.add(f);
            }
        }
        return out;
    }

    private static String describe(List<SkippedFile> files) {
        StringBuilder sb = new StringBuilder();
        for (SkippedFile f : files) {
            sb.append(sb.length() == 0 ? "" : "; ")
                    .append(f.file())
                    .append(": ")
                    .append(f.reason());
        }
        return sb.toString();
    }

    /**
     * Reports a refused choice once (the same refusal on later refreshes stays quiet) and keeps the
     * certificate in use.
     */
    private Optional<SelectedCertificate> refuse(
            SecurityEventType type, String why, SelectedCertificate kept, PersonalCertificate candidate) {
        String message = why
                + (kept != null
                        ? "; keeping the certificate in use (" + kept.info().sha1Thumbprint() + ")"
                        : "");
        if (!message.equals(lastRefusal)) {
            lastRefusal = message;
            LOG.warn("{}", message);
            SecurityEvent.Builder e = SecurityEvent.builder(type, clock)
                    .message(message)
                    .field("store", store.directory())
                    .field("reason", why);
            if (pin != null) {
                e.field("pin", pin);
            }
            if (kept != null) {
                e.field("kept", kept.info().sha1Thumbprint())
                        .field("keptKind", kept.info().kind());
            }
            if (candidate != null) {
                e.field("candidate", candidate.info().sha1Thumbprint())
                        .field("candidateAlias", candidate.alias())
                        .field("candidateKind", candidate.info().kind());
            }
            publish(e.build());
        }
        return Optional.ofNullable(kept);
    }

    private PersonalCertificate generate() throws IOException {
        PersonalCertificate pc = CertificateGenerator.selfSigned(selfSignedSpec, clock);
        store.addPersonal(pc);
        lastSelection = CertificateSelector.select(store.contents(), criteria, clock);
        CertificateInfo info = pc.info();
        publish(SecurityEvent.builder(SecurityEventType.CERTIFICATE_GENERATED, clock)
                .message("no valid certificate found; generated a self-signed certificate: "
                        + CertificateGenerator.SELF_SIGNED_WARNING)
                .field("alias", pc.alias())
                .field("subject", info.subject().getName())
                .field("names", info.identity().presentedIdentities())
                .field("serial", info.serialNumberHex())
                .field("thumbprint", info.sha1Thumbprint())
                .field("notAfter", info.notAfter())
                .field("warning", CertificateGenerator.SELF_SIGNED_WARNING)
                .build());
        if (lastSelection.valid().stream().noneMatch(c -> sameCertificate(c.certificate(), pc))) {
            LOG.warn(
                    "generated certificate does not satisfy {}; using it anyway:\n{}",
                    criteria,
                    lastSelection.explain());
        }
        return pc;
    }

    private void announce(SelectedCertificate previous, SelectedCertificate next) {
        CertificateInfo info = next.info();
        SecurityEvent.Builder e = SecurityEvent.builder(
                        previous == null ? SecurityEventType.CERTIFICATE_IN_USE : SecurityEventType.CERTIFICATE_CHANGED,
                        clock)
                .message((previous == null ? "certificate in use: " : "certificate changed: ")
                        + info.subject().getName())
                .field("issuer", info.issuer().getName())
                .field("serial", info.serialNumberHex())
                .field("thumbprint", info.sha1Thumbprint())
                .field("subject", info.subject().getName())
                .field("kind", info.kind())
                .field("notAfter", info.notAfter())
                .field("alias", next.certificate().alias());
        if (previous != null) {
            e.field("previousIssuer", previous.info().issuer().getName())
                    .field("previousSerial", previous.info().serialNumberHex())
                    .field("previousThumbprint", previous.info().sha1Thumbprint());
        }
        SecurityEvent event = e.build();
        // R10: the certificate in use is always logged. A SecurityEventBus already logs every event
        // it publishes; logging here as well would write each line twice.
        if (!(events instanceof SecurityEventBus)) {
            LOG.info("{}", event);
        }
        publish(event);
        for (Consumer<SelectedCertificate> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException ex) {
                LOG.warn("certificate listener failed", ex);
            }
        }
    }

    private static boolean sameCertificate(PersonalCertificate a, PersonalCertificate b) {
        return a.info().sha256Thumbprint().equals(b.info().sha256Thumbprint());
    }

    private void publish(SecurityEvent e) {
        if (events != null) {
            try {
                events.onEvent(e);
            } catch (RuntimeException ex) {
                LOG.warn("security event listener failed on {}", e, ex);
            }
        }
    }

    /**
     * Checks and normalises a certificate pin as {@link Builder#pin} takes it.
     *
     * @param pin a SHA-1 thumbprint (40 hex digits; case, {@code ':'} and spaces ignored) or a store alias
     * @return the thumbprint in upper-case hex without separators, or the alias
     * @throws IllegalArgumentException when it is neither
     */
    public static String normalisePin(String pin) {
        String t = pin.trim();
        String hex = t.replace(":", "").replace(" ", "").toUpperCase(Locale.ROOT);
        if (hex.length() == 40 && hex.chars().allMatch(ch -> (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F'))) {
            return hex;
        }
        try {
            PersonalCertificate.checkAlias(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "certificate pin '" + pin + "' is neither a SHA-1 thumbprint (40 hex digits)"
                            + " nor a store alias",
                    e);
        }
        return t;
    }

    private static String keyManagerAlias(PersonalCertificate pc) {
        return "umsec-" + pc.info().sha1Thumbprint();
    }

    /**
     * A key manager that always offers the current certificate (server and client side). Aliases
     * are {@code umsec-<SHA-1 thumbprint>}; the last {@value #RECENT_ALIASES} certificates stay
     * resolvable so a handshake that started before a rotation completes. Certificate authorities
     * requested by the peer are not used to filter: the one selected certificate is offered.
     *
     * @return the key manager (one instance per provider)
     */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** Stops the store watcher, if any. */
    @Override
    public synchronized void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (Exception e) {
                LOG.debug("closing store watcher", e);
            }
            watcher = null;
        }
    }

    private final class KeyManager extends X509ExtendedKeyManager {
        private String choose(String keyType) {
            SelectedCertificate c = current;
            if (c == null || !matches(c.certificate(), keyType)) {
                return null;
            }
            return keyManagerAlias(c.certificate());
        }

        private String chooseAny(String[] keyTypes) {
            if (keyTypes == null) {
                return null;
            }
            for (String t : keyTypes) {
                String a = choose(t);
                if (a != null) {
                    return a;
                }
            }
            return null;
        }

        private boolean matches(PersonalCertificate pc, String keyType) {
            String alg = pc.privateKey().getAlgorithm();
            if (keyType == null) {
                return false;
            }
            String t = keyType.contains("_") ? keyType.substring(0, keyType.indexOf('_')) : keyType;
            if (t.equalsIgnoreCase(alg)) {
                return true;
            }
            if (t.equalsIgnoreCase("RSASSA-PSS") && alg.equals("RSA")) {
                return true;
            }
            return (t.equalsIgnoreCase("EdDSA") || t.equalsIgnoreCase("Ed25519") || t.equalsIgnoreCase("Ed448"))
                    && (alg.equals("EdDSA") || alg.equals("Ed25519") || alg.equals("Ed448"));
        }

        private PersonalCertificate lookup(String alias) {
            SelectedCertificate c = current;
            if (c != null && keyManagerAlias(c.certificate()).equals(alias)) {
                return c.certificate();
            }
            synchronized (recent) {
                return recent.get(alias);
            }
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            String a = choose(keyType);
            return a == null ? null : new String[] {a};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return chooseAny(keyType);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return choose(keyType);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            PersonalCertificate pc = lookup(alias);
            return pc == null ? null : pc.chain().toArray(new X509Certificate[0]);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            PersonalCertificate pc = lookup(alias);
            return pc == null ? null : pc.privateKey();
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return chooseAny(keyType);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return choose(keyType);
        }
    }

    /** Builder for {@link CertificateProvider}. */
    public static final class Builder {
        private final CertificateStore store;
        private SelectionCriteria criteria = SelectionCriteria.serverAuth();
        private Clock clock = Clock.systemUTC();
        private SecurityEventListener events;
        private CertificateSpec selfSignedSpec;
        private boolean watch;
        private String pin;
        private boolean allowTierDowngrade;

        private Builder(CertificateStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * @param c what the certificate must offer (default {@link SelectionCriteria#serverAuth()})
         * @return this
         */
        public Builder criteria(SelectionCriteria c) {
            this.criteria = Objects.requireNonNull(c);
            return this;
        }

        /**
         * @param c the clock (default system UTC)
         * @return this
         */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        /**
         * @param listener receives the certificate events (default none: logged only)
         * @return this
         */
        public Builder events(SecurityEventListener listener) {
            this.events = listener;
            return this;
        }

        /**
         * Turns on generation when nothing is valid (R9). The spec names the server (its FQDNs and,
         * if asked, IP addresses); it should carry server and client authentication (the default of
         * {@link CertificateSpec}). Without a spec, generation is off.
         *
         * @param spec what to generate
         * @return this
         */
        public Builder selfSigned(CertificateSpec spec) {
            this.selfSignedSpec = Objects.requireNonNull(spec);
            return this;
        }

        /**
         * Pins the certificate: only the personal certificate with this SHA-1 thumbprint (40 hex
         * digits, case and {@code ':'} or space separators ignored) or this store alias is used; a
         * pinned provider never generates. See the class description for what happens when it is
         * missing or invalid.
         *
         * @param thumbprintOrAlias the pin, or null for none (the default)
         * @return this
         * @throws IllegalArgumentException when it is neither a SHA-1 thumbprint nor a valid alias
         */
        public Builder pin(String thumbprintOrAlias) {
            this.pin = thumbprintOrAlias == null ? null : normalisePin(thumbprintOrAlias);
            return this;
        }

        /**
         * @param allow whether the certificate in use may change from CA-issued to self-signed
         *     (default false: refused, the CA-issued one kept, with an event)
         * @return this
         */
        public Builder allowTierDowngrade(boolean allow) {
            this.allowTierDowngrade = allow;
            return this;
        }

        /**
         * @param on refresh automatically when store files change (default off)
         * @return this
         */
        public Builder watchStore(boolean on) {
            this.watch = on;
            return this;
        }

        /**
         * Builds the provider and makes the first selection (which may generate a certificate).
         *
         * @return the provider
         * @throws CertificateUnavailableException when the pinned certificate is missing or invalid, or
         *     when nothing is valid and a personal store file is unreadable (instead of generating)
         * @throws IOException when the store cannot be read or written, or cannot be watched
         * @throws IllegalStateException when the self-signed spec could never satisfy the criteria
         */
        public CertificateProvider build() throws IOException {
            if (selfSignedSpec != null) {
                // a generated certificate that selection would reject would be regenerated on every refresh
                for (KeyPurpose purpose : criteria.requiredPurposes()) {
                    if (!selfSignedSpec.purposes().isEmpty()
                            && !selfSignedSpec.purposes().contains(purpose)) {
                        throw new IllegalStateException(
                                "self-signed spec lacks " + purpose + " required by " + criteria);
                    }
                }
                if (selfSignedSpec.keyAlgorithm().jcaName().equals("RSA")
                        && selfSignedSpec.keyAlgorithm().bits() < criteria.minRsaBits()) {
                    throw new IllegalStateException(
                            "self-signed spec key " + selfSignedSpec.keyAlgorithm() + " is below " + criteria);
                }
            }
            CertificateProvider p = new CertificateProvider(this);
            p.refresh();
            if (p.current == null && p.problem != null) {
                throw new CertificateUnavailableException(p.problem);
            }
            if (watch) {
                p.watcher = store.watch(() -> {
                    try {
                        p.refresh();
                    } catch (IOException e) {
                        LOG.warn("certificate refresh after store change failed", e);
                    }
                });
            }
            return p;
        }
    }
}
