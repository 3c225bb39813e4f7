package org.umsec.server;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateProvider;
import org.umsec.certs.CertificateSpec;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.CertificateUnavailableException;
import org.umsec.certs.ExpiryMonitor;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.SelectedCertificate;
import org.umsec.certs.SelectionCriteria;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventBus;
import org.umsec.core.SecurityEventType;
import org.umsec.server.config.ConfigFiles;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.transport.TlsSettings;

/**
 * The server's certificate for secured mode (R9, R10, R11): opens the um-certs store once, selects a
 * certificate (generating a self-signed one when none is valid), trusts a generated one in its own
 * store, logs and publishes what is in use (events 1114), and runs the hourly expiry check. The TLS
 * settings it makes present the provider's current selection, so a rotation applies to the next
 * handshake. Opened at the first start or reload that needs mutual TLS; store, FQDN and validity are
 * then fixed until restart ({@link #unappliedChanges(ServerConfiguration)} names such edits).
 *
 * <p>Confined to the server's lifecycle lock.
 */
final class CertificateBootstrap implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateBootstrap.class);

    private final SecurityEventBus bus;
    private final Clock clock;
    private final boolean watchStore;
    private final ScheduledExecutorService scheduler;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private volatile CertificateStore store;
    private volatile CertificateProvider provider;
    private TlsSettings tlsSettings;
    private Path openedStore;
    private String openedFqdn;
    private int openedValidityDays;
    private ServerConfiguration opened;

    CertificateBootstrap(SecurityEventBus bus, Clock clock, boolean watchStore, ScheduledExecutorService scheduler) {
        this.bus = bus;
        this.clock = clock;
        this.watchStore = watchStore;
        this.scheduler = scheduler;
    }

    /**
     * Returns the TLS settings for the mutual-TLS listener, opening the store and selecting a
     * certificate the first time.
     *
     * @throws IOException naming the store and the cause if it cannot be opened or no certificate can be had
     */
    TlsSettings ensure(ServerConfiguration c) throws IOException {
        if (provider != null) {
            return tlsSettings;
        }
        CertificateStore s;
        try {
            s = CertificateStore.builder(c.store()).events(bus).clock(clock).open();
        } catch (IOException e) {
            throw new IOException("certificate store " + ConfigFiles.explain(c.store(), e), e);
        }
        CertificateSpec.Builder spec =
                CertificateSpec.builder().dnsName(c.fqdn()).validity(Duration.ofDays(c.selfSignedValidityDays()));
        if (c.fqdn().equalsIgnoreCase("localhost")) {
            spec.ipAddress("127.0.0.1");
        }
        CertificateProvider.Builder pb = CertificateProvider.builder(s)
                .criteria(SelectionCriteria.serverAuth())
                .events(bus)
                .clock(clock)
                .watchStore(watchStore)
                .allowTierDowngrade(c.allowTierDowngrade());
        if (c.certificatePin().isPresent()) {
            pb.pin(c.certificatePin().get());
        } else if (c.generateSelfSigned()) {
            pb.selfSigned(spec.build());
        }
        CertificateProvider p;
        try {
            p = pb.build();
        } catch (CertificateUnavailableException e) {
            // the provider raised the event (pin failed / unreadable key); start-up fails with its reason
            throw new IOException("cannot start the TLS listener: " + e.getMessage(), e);
        }
        closeables.add(p);
        Optional<SelectedCertificate> sel = p.refresh();
        if (sel.isEmpty()) {
            bus.publish(SecurityEvent.builder(SecurityEventType.CALL_REJECTED_NO_CERTIFICATE, clock)
                    .message("Secured mode needs a certificate and none is valid; not starting the TLS listener")
                    .field("store", c.store())
                    .build());
            throw new IOException("no valid certificate in " + c.store() + " and none could be generated:\n"
                    + p.lastSelection().explain());
        }
        if (sel.get().generated()) {
            // Trust our own generated certificate, so that tools sharing this store (umsec
            // test-connectivity on the same machine) and servers holding the same certificate
            // (R18) can connect. Gateways still have to import it themselves (R15).
            X509Certificate own = sel.get().certificate().certificate();
            if (!s.contents().trustedRoots().contains(own)) {
                s.addTrustedRoot(own);
            }
        }
        certificateLoaded(sel.get());
        ExpiryMonitor monitor = new ExpiryMonitor(clock, bus);
        monitor.track(sel.get().certificate().certificate());
        closeables.add(p.addListener(x -> {
            certificateLoaded(x);
            monitor.track(x.certificate().certificate());
        }));
        scheduler.scheduleAtFixedRate(
                () -> {
                    try {
                        monitor.check();
                    } catch (RuntimeException e) {
                        LOG.warn("Expiry check failed: {}", e.toString());
                    }
                },
                0,
                1,
                TimeUnit.HOURS);
        PeerCertificateValidator peers = PeerCertificateValidator.builder()
                .store(s)
                .clock(clock)
                .revocation(c.revocation())
                .events(bus)
                .build();
        scheduler.scheduleAtFixedRate(
                () -> {
                    try {
                        peers.reportStaleCrls();
                    } catch (RuntimeException e) {
                        LOG.warn("CRL freshness check failed: {}", e.toString());
                    }
                },
                0,
                1,
                TimeUnit.HOURS);
        // the provider's key manager presents the current selection: a rotation applies to the next handshake
        tlsSettings = TlsSettings.builder().certificates(p).peers(peers).build();
        openedStore = c.store();
        openedFqdn = c.fqdn();
        openedValidityDays = c.selfSignedValidityDays();
        opened = c;
        store = s;
        provider = p;
        return tlsSettings;
    }

    private void certificateLoaded(SelectedCertificate s) {
        CertificateInfo i = s.info();
        LOG.info(
                "Certificate in use for mutual TLS: issuer \"{}\", serial {}, SHA-1 thumbprint {}, valid until {}{}",
                i.issuer().getName(),
                i.serialNumberHex(),
                i.sha1Thumbprint(),
                i.notAfter(),
                s.generated() ? " (self-signed, generated)" : "");
        bus.publish(SecurityEvent.builder(SecurityEventType.SECURED_CERTIFICATE_LOADED, clock)
                .message("Certificate for secured mode found and loaded")
                .field("issuer", i.issuer().getName())
                .field("serial", i.serialNumberHex())
                .field("thumbprint", i.sha1Thumbprint())
                .field("notAfter", i.notAfter())
                .build());
    }

    /**
     * Names the settings of {@code next} that differ from those the certificate was set up with and so
     * take effect only after a restart.
     */
    List<String> unappliedChanges(ServerConfiguration next) {
        List<String> out = new ArrayList<>();
        if (provider == null) {
            return out;
        }
        if (!openedStore.equals(next.store())) {
            out.add("server.store");
        }
        if (!openedFqdn.equals(next.fqdn())) {
            out.add("server.fqdn");
        }
        if (openedValidityDays != next.selfSignedValidityDays()) {
            out.add("server.selfSignedValidityDays");
        }
        if (!opened.certificatePin().equals(next.certificatePin())) {
            out.add("server.certificate");
        }
        if (opened.generateSelfSigned() != next.generateSelfSigned()) {
            out.add("server.generateSelfSigned");
        }
        if (opened.allowTierDowngrade() != next.allowTierDowngrade()) {
            out.add("server.allowTierDowngrade");
        }
        if (opened.revocation() != next.revocation()) {
            out.add("server.revocation");
        }
        return out;
    }

    Optional<SelectedCertificate> current() {
        CertificateProvider p = provider;
        return p == null ? Optional.empty() : p.current();
    }

    Optional<CertificateStore> store() {
        return Optional.ofNullable(store);
    }

    void refresh() throws IOException {
        CertificateProvider p = provider;
        if (p != null) {
            p.refresh();
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("Close failed: {}", e.toString());
            }
        }
    }
}
