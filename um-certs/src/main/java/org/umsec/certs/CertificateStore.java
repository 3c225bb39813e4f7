package org.umsec.certs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.CertificateImportException.Reason;
import org.umsec.certs.internal.AtomicFiles;
import org.umsec.certs.internal.KeyChecks;
import org.umsec.certs.internal.StoreWatcher;
import org.umsec.certs.internal.X509Support;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;

/**
 * The server's local certificate store on disk: its own certificates with private keys, the trusted
 * roots, intermediate CA certificates, CRLs, pending certificate requests and lab CAs, in files
 * people already have.
 *
 * <pre>
 * &lt;dir&gt;/personal/&lt;alias&gt;.crt   PEM chain, server certificate first
 * &lt;dir&gt;/personal/&lt;alias&gt;.key   PKCS#8 PEM private key, mode 0600
 * &lt;dir&gt;/personal/*.p12|*.pfx    PKCS#12 (read only; password from {@link Builder#pkcs12Password})
 * &lt;dir&gt;/trusted/*.crt|pem|cer|der   trusted roots (gateways' self-signed certificates or CA roots)
 * &lt;dir&gt;/intermediate/*.crt|...     intermediate CA certificates for path building
 * &lt;dir&gt;/crl/*.crl|*.pem            CRLs ({@link #importCrl}: verified against a trusted issuer, one file per issuer)
 * &lt;dir&gt;/requests/&lt;alias&gt;.csr|.key  pending PKCS#10 requests and their keys (R13)
 * &lt;dir&gt;/ca/&lt;name&gt;.crt|.key         lab CAs ({@link #saveAuthority})
 * </pre>
 *
 * <p>Writes are atomic (temporary file, fsync, rename, directory fsync): a crash leaves the old file
 * or the new one, never half of one. Private keys are created owner-readable only. Loading never
 * aborts: a file that cannot be read (garbage, truncated, wrong password, missing key, larger than
 * {@value CertificateFiles#MAX_INPUT_BYTES} bytes) is skipped, listed in {@link #skippedFiles()} and
 * reported as a {@link SecurityEventType#CERTIFICATE_FILE_UNREADABLE} event naming the file and the
 * reason. Hidden files (names starting with {@code '.'}) are ignored.
 *
 * <p>Thread-safe: {@link #contents()} returns an immutable snapshot; writers are serialised and
 * reload the snapshot after writing.
 *
 * <pre>{@code
 * CertificateStore store = CertificateStore.builder(Path.of("/var/lib/umsec/certs")).events(bus).clock(clock).open();
 * SelectionResult r = CertificateSelector.select(store.contents(), SelectionCriteria.serverAuth(), clock);
 * }</pre>
 */
public final class CertificateStore {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateStore.class);
    private static final List<String> CERT_EXTENSIONS = List.of(".crt", ".pem", ".cer", ".der");
    private static final String PERSONAL = "personal";
    private static final String TRUSTED = "trusted";
    private static final String INTERMEDIATE = "intermediate";
    private static final String CRL = "crl";
    private static final String REQUESTS = "requests";
    private static final String CA = "ca";

    private final Path dir;
    private final Clock clock;
    private final SecurityEventListener events;
    private final char[] pkcs12Password;
    private volatile StoreContents contents = StoreContents.empty();
    private volatile List<SkippedFile> skipped = List.of();
    private volatile Map<String, PendingRequest> pending = Map.of();
    private volatile List<CrlInfo> crlInfos = List.of();
    private volatile long trustGeneration;
    private final CopyOnWriteArrayList<Runnable> trustListeners = new CopyOnWriteArrayList<>();
    private byte[] trustDigest;
    private Map<Path, String> reported = Map.of();

    private CertificateStore(Builder b) {
        this.dir = b.dir;
        this.clock = b.clock;
        this.events = b.events;
        this.pkcs12Password = b.pkcs12Password;
    }

    /**
     * Opens (creating if needed) a store with the system UTC clock and no event listener.
     *
     * @param directory the store directory
     * @return the loaded store
     * @throws IOException when the directory cannot be created or listed
     */
    public static CertificateStore open(Path directory) throws IOException {
        return builder(directory).open();
    }

    /**
     * @param directory the store directory
     * @return a builder
     */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** @return the store directory */
    public Path directory() {
        return dir;
    }

    /** @return the current snapshot */
    public StoreContents contents() {
        return contents;
    }

    /** @return files skipped by the last load, with reasons */
    public List<SkippedFile> skippedFiles() {
        return skipped;
    }

    /**
     * @param alias a personal certificate's alias
     * @return the certificate, if present in the current snapshot
     */
    public Optional<PersonalCertificate> personal(String alias) {
        return contents.personal().stream().filter(p -> p.alias().equals(alias)).findFirst();
    }

    /** @return the pending certificate requests */
    public List<PendingRequest> pendingRequests() {
        return List.copyOf(pending.values());
    }

    /**
     * Re-reads every file. Unreadable files are skipped; each raises one event, repeated only when
     * the file changes (a later reload of the same bad file stays quiet; see {@link #skippedFiles()}).
     *
     * @return the new snapshot
     * @throws IOException when a store directory cannot be listed
     */
    public synchronized StoreContents reload() throws IOException {
        List<SkippedFile> skip = new ArrayList<>();
        StoreContents.Builder b = StoreContents.builder();
        loadPersonal(b, skip);
        for (Path f : files(TRUSTED, CERT_EXTENSIONS)) {
            try {
                CertificateFiles.readCertificates(read(f)).forEach(b::addTrustedRoot);
            } catch (CertificateImportException e) {
                skip.add(new SkippedFile(f, e.getMessage()));
            }
        }
        for (Path f : files(INTERMEDIATE, CERT_EXTENSIONS)) {
            try {
                CertificateFiles.readCertificates(read(f)).forEach(b::addIntermediate);
            } catch (CertificateImportException e) {
                skip.add(new SkippedFile(f, e.getMessage()));
            }
        }
        List<CrlInfo> crlList = new ArrayList<>();
        for (Path f : files(CRL, List.of(".crl", ".pem"))) {
            try {
                for (X509CRL crl : CertificateFiles.readCrls(read(f))) {
                    b.addCrl(crl);
                    crlList.add(new CrlInfo(baseName(f), f, crl));
                }
            } catch (CertificateImportException e) {
                skip.add(new SkippedFile(f, e.getMessage()));
            }
        }
        Map<String, PendingRequest> req = new TreeMap<>();
        for (Path f : files(REQUESTS, List.of(".csr"))) {
            String alias = baseName(f);
            try {
                req.put(alias, new PendingRequest(alias, CertificateRequest.parse(read(f))));
            } catch (CertificateImportException e) {
                skip.add(new SkippedFile(f, e.getMessage()));
            }
        }
        this.contents = b.build();
        this.pending = Map.copyOf(req);
        this.skipped = List.copyOf(skip);
        this.crlInfos = List.copyOf(crlList);
        byte[] digest = trustDigest(contents);
        boolean trustChanged = trustDigest != null && !Arrays.equals(digest, trustDigest);
        trustDigest = digest;
        if (trustChanged) {
            trustGeneration++;
            LOG.info(
                    "trust material of store {} changed (generation {}): {} trusted, {} intermediate, {} CRL",
                    dir,
                    trustGeneration,
                    contents.trustedRoots().size(),
                    contents.intermediates().size(),
                    contents.crls().size());
        }
        // one event per bad file and version: a reload (the watcher, a refresh) does not repeat it
        Map<Path, String> now = new HashMap<>();
        for (SkippedFile s : skip) {
            String version = s.reason() + "@" + lastModified(s.file());
            now.put(s.file(), version);
            if (version.equals(reported.get(s.file()))) {
                continue;
            }
            LOG.warn("skipping certificate store file {}: {}", s.file(), s.reason());
            publish(SecurityEvent.builder(SecurityEventType.CERTIFICATE_FILE_UNREADABLE, clock)
                    .message("certificate store file skipped: " + s.reason())
                    .field("file", s.file())
                    .field("reason", s.reason())
                    .build());
        }
        reported = now;
        if (trustChanged) {
            for (Runnable l : trustListeners) {
                try {
                    l.run();
                } catch (RuntimeException ex) {
                    LOG.warn("trust listener failed", ex);
                }
            }
        }
        return contents;
    }

    private static byte[] trustDigest(StoreContents c) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (X509Certificate x : c.trustedRoots()) {
                md.update((byte) 'T');
                md.update(x.getEncoded());
            }
            for (X509Certificate x : c.intermediates()) {
                md.update((byte) 'I');
                md.update(x.getEncoded());
            }
            for (X509CRL x : c.crls()) {
                md.update((byte) 'C');
                md.update(x.getEncoded());
            }
            return md.digest();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot fingerprint trust material", e);
        }
    }

    /**
     * A counter that moves each time a reload finds the trust material (trusted roots, intermediates,
     * CRLs) different from the previous load; 0 after opening. Compare it with a value remembered
     * when a connection was checked to know whether the check is still current.
     *
     * @return the trust generation
     */
    public long trustGeneration() {
        return trustGeneration;
    }

    /**
     * Registers a listener run after each reload that changed the trust material (an import, a
     * removal, a CRL, a file edited on disk and seen by {@link #watch}): the TLS layer re-checks
     * established connections with it. It runs on the reloading thread, possibly holding the store's
     * lock: hand long work to another thread. A listener that throws is logged and skipped.
     *
     * @param listener the listener
     * @return closes the registration
     */
    public AutoCloseable addTrustListener(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        trustListeners.add(listener);
        return () -> trustListeners.remove(listener);
    }

    /** @return the CRLs of the last load, with their store ids, ordered by file name */
    public List<CrlInfo> crls() {
        return crlInfos;
    }

    private void loadPersonal(StoreContents.Builder b, List<SkippedFile> skip) throws IOException {
        Map<String, Path> keys = new HashMap<>();
        for (Path f : files(PERSONAL, List.of(".key"))) {
            keys.put(baseName(f), f);
        }
        for (Path f : files(PERSONAL, CERT_EXTENSIONS)) {
            String alias = baseName(f);
            Path keyFile = keys.remove(alias);
            if (keyFile == null) {
                skip.add(new SkippedFile(f, "no private key file " + alias + ".key next to the certificate"));
                continue;
            }
            try {
                PersonalCertificate.checkAlias(alias);
                List<X509Certificate> chain = CertificateFiles.readCertificates(read(f));
                PrivateKey key;
                try {
                    key = CertificateFiles.readPrivateKey(read(keyFile), null);
                } catch (CertificateImportException e) {
                    skip.add(new SkippedFile(keyFile, e.getMessage()));
                    continue;
                }
                warnIfExposed(keyFile);
                b.addPersonal(PersonalCertificate.of(alias, key, chain));
            } catch (CertificateImportException | IllegalArgumentException e) {
                skip.add(new SkippedFile(f, e.getMessage()));
            }
        }
        for (Path orphan : keys.values()) {
            skip.add(new SkippedFile(orphan, "private key without a certificate file"));
        }
        for (Path f : files(PERSONAL, List.of(".p12", ".pfx"))) {
            try {
                PersonalCertificate p = CertificateFiles.readPkcs12(read(f), pkcs12Password);
                String alias = baseName(f);
                b.addPersonal(PersonalCertificate.of(aliasOk(alias) ? alias : p.alias(), p.privateKey(), p.chain()));
            } catch (CertificateImportException e) {
                skip.add(new SkippedFile(f, e.getMessage()));
            }
        }
    }

    private static String lastModified(Path f) {
        try {
            return Files.getLastModifiedTime(f).toString() + "/" + Files.size(f);
        } catch (IOException e) {
            return "?";
        }
    }

    private static boolean aliasOk(String alias) {
        try {
            PersonalCertificate.checkAlias(alias);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void warnIfExposed(Path keyFile) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn(
                        "private key {} is readable by group or others; restrict it to its owner (chmod 600)", keyFile);
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot read permissions of {}", keyFile, e);
        }
    }

    private List<Path> files(String sub, List<String> extensions) throws IOException {
        Path d = dir.resolve(sub);
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String lower = name.toLowerCase(Locale.ROOT);
                if (name.startsWith(".") || !Files.isRegularFile(p)) {
                    continue;
                }
                for (String ext : extensions) {
                    if (lower.endsWith(ext)) {
                        out.add(p);
                        break;
                    }
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static String baseName(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private static byte[] read(Path f) throws CertificateImportException {
        try {
            long size = Files.size(f);
            if (size > CertificateFiles.MAX_INPUT_BYTES) {
                throw new CertificateImportException(
                        Reason.TOO_LARGE,
                        "file of " + size + " bytes exceeds the limit of " + CertificateFiles.MAX_INPUT_BYTES);
            }
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new CertificateImportException(Reason.IO_ERROR, "cannot read: " + e, e);
        }
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

    private void imported(String what, CertificateInfo info) {
        publish(SecurityEvent.builder(SecurityEventType.CERTIFICATE_IMPORTED, clock)
                .message(what + " imported: " + info.subject().getName())
                .field("kind", what)
                .field("subject", info.subject().getName())
                .field("issuer", info.issuer().getName())
                .field("serial", info.serialNumberHex())
                .field("thumbprint", info.sha1Thumbprint())
                .build());
    }

    // ---------------------------------------------------------------- writes

    /**
     * Writes a personal certificate ({@code personal/<alias>.crt} and {@code .key}, the key 0600),
     * replacing one with the same alias, then reloads.
     *
     * @param certificate the certificate with key
     * @return the certificate as stored
     * @throws IOException on write failure (the store is unchanged)
     */
    public synchronized PersonalCertificate addPersonal(PersonalCertificate certificate) throws IOException {
        Path d = dir.resolve(PERSONAL);
        // key first: a crash between the two writes leaves an orphan key (skipped), never a certificate
        // that loads with a stale key
        AtomicFiles.write(
                d.resolve(certificate.alias() + ".key"),
                CertificateFiles.toPem(certificate.privateKey()).getBytes(StandardCharsets.US_ASCII),
                true);
        AtomicFiles.write(
                d.resolve(certificate.alias() + ".crt"),
                CertificateFiles.toPem(certificate.chain()).getBytes(StandardCharsets.US_ASCII),
                false);
        reload();
        return certificate;
    }

    /**
     * Deletes a personal certificate and its key.
     *
     * @param alias the alias
     * @return whether it existed
     * @throws IOException on delete failure
     */
    public synchronized boolean removePersonal(String alias) throws IOException {
        PersonalCertificate.checkAlias(alias);
        Path d = dir.resolve(PERSONAL);
        boolean any = false;
        for (String ext : CERT_EXTENSIONS) {
            any |= AtomicFiles.delete(d.resolve(alias + ext));
        }
        any |= AtomicFiles.delete(d.resolve(alias + ".key"));
        reload();
        return any;
    }

    /**
     * Adds a trusted root ({@code trusted/<cn>-<thumbprint>.crt}) and reloads (R12). Raises
     * {@link SecurityEventType#CERTIFICATE_IMPORTED}.
     *
     * @param root the certificate to trust: a CA root or a peer's self-signed certificate
     * @throws IOException on write failure
     */
    public synchronized void addTrustedRoot(X509Certificate root) throws IOException {
        writeCert(TRUSTED, root);
        reload();
        imported("trusted root", CertificateInfo.of(root));
    }

    /**
     * Stops trusting a root: deletes every {@code trusted/} file holding the certificate with this
     * thumbprint (a file that also holds other certificates is rewritten without it), then reloads.
     * A running server refuses peers that chained to it from its next handshake.
     *
     * @param thumbprint SHA-1 or SHA-256 thumbprint, hexadecimal, any case, colons allowed
     * @return the certificates no longer trusted (empty if none matched)
     * @throws IOException on read or write failure (files already handled stay handled)
     */
    public synchronized List<X509Certificate> removeTrustedRoot(String thumbprint) throws IOException {
        String want = thumbprint.replace(":", "").toUpperCase(Locale.ROOT);
        List<X509Certificate> removed = new ArrayList<>();
        Path d = dir.resolve(TRUSTED);
        if (!Files.isDirectory(d)) {
            return removed;
        }
        List<Path> files;
        try (java.util.stream.Stream<Path> list = Files.list(d)) {
            files = list.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        }
        for (Path f : files) {
            List<X509Certificate> certs;
            try {
                certs = CertificateFiles.readCertificates(read(f));
            } catch (CertificateImportException e) {
                continue; // unreadable files are listed by skippedFiles(); nothing of ours to remove there
            }
            List<X509Certificate> keep = new ArrayList<>();
            for (X509Certificate c : certs) {
                CertificateInfo i = CertificateInfo.of(c);
                if (i.sha1Thumbprint().equalsIgnoreCase(want)
                        || i.sha256Thumbprint().equalsIgnoreCase(want)) {
                    removed.add(c);
                } else {
                    keep.add(c);
                }
            }
            if (keep.size() == certs.size()) {
                continue;
            }
            if (keep.isEmpty()) {
                AtomicFiles.delete(f);
            } else {
                AtomicFiles.write(f, CertificateFiles.toPem(keep).getBytes(StandardCharsets.US_ASCII), false);
            }
        }
        reload();
        return removed;
    }

    /**
     * Drops a pending certificate request and its private key ({@code requests/<alias>.csr|.key}).
     * A certificate later signed for it can no longer be imported.
     *
     * @param alias the request's alias (see {@link #pendingRequests()})
     * @return whether it existed
     * @throws IOException on delete failure
     */
    public synchronized boolean removePendingRequest(String alias) throws IOException {
        PersonalCertificate.checkAlias(alias);
        Path d = dir.resolve(REQUESTS);
        boolean any = AtomicFiles.delete(d.resolve(alias + ".csr"));
        any |= AtomicFiles.delete(d.resolve(alias + ".key"));
        reload();
        return any;
    }

    /**
     * Adds an intermediate CA certificate and reloads.
     *
     * @param intermediate the CA certificate
     * @throws IOException on write failure
     */
    public synchronized void addIntermediate(X509Certificate intermediate) throws IOException {
        writeCert(INTERMEDIATE, intermediate);
        reload();
    }

    private void writeCert(String sub, X509Certificate c) throws IOException {
        CertificateInfo info = CertificateInfo.of(c);
        AtomicFiles.write(
                dir.resolve(sub).resolve(PersonalCertificate.defaultAlias(info) + ".crt"),
                CertificateFiles.toPem(c).getBytes(StandardCharsets.US_ASCII),
                false);
    }

    /**
     * Adds or replaces the CRL of an issuer ({@code crl/<issuer>-<id>.crl}, one file per issuer name)
     * and reloads, without the checks of {@link #importCrl}: for callers that made or verified the CRL
     * themselves (tests, labs). Validation still ignores a CRL whose signature does not verify with
     * the issuer's key.
     *
     * @param crl the CRL
     * @throws IOException on write failure
     */
    public synchronized void addCrl(X509CRL crl) throws IOException {
        AtomicFiles.write(crlFile(crl), CertificateFiles.toPem(crl).getBytes(StandardCharsets.US_ASCII), false);
        reload();
    }

    private Path crlFile(X509CRL crl) {
        String issuer = X509Support.commonName(crl.getIssuerX500Principal().getEncoded())
                .orElse("crl")
                .replaceAll("[^A-Za-z0-9._-]", "_");
        String id = org.umsec.certs.internal.Hex.encode(
                        sha1(crl.getIssuerX500Principal().getEncoded()))
                .substring(0, 8);
        return dir.resolve(CRL).resolve(issuer + "-" + id.toLowerCase(Locale.ROOT) + ".crl");
    }

    /**
     * Imports CRLs (PEM or DER; {@code umsec certs crl import}). Each CRL must verify with the key of
     * a trusted issuer: a trusted root that is a CA, or an intermediate CA whose path to such a root
     * validates now, allowed to sign CRLs (keyCertSign alone is not enough when a key usage extension
     * is present: cRLSign is required). A CRL older than the stored one of the same issuer (earlier
     * thisUpdate or lower CRL number) is refused, so an old CRL cannot bring a revoked certificate
     * back. A CRL already past its nextUpdate is stored (it may be the newest there is) and reported
     * by validation. Accepted CRLs replace the issuer's file atomically, then the store reloads and
     * raises {@link SecurityEventType#CERTIFICATE_IMPORTED} (kind {@code crl}) per CRL. Nothing is
     * written unless every CRL of the input is acceptable.
     *
     * @param data the encoded CRLs
     * @return the CRLs as stored
     * @throws CertificateImportException {@code MALFORMED} or {@code TOO_LARGE} input,
     *     {@code UNTRUSTED_ISSUER}, {@code OUTDATED}, or {@code IO_ERROR}
     */
    public synchronized List<CrlInfo> importCrl(byte[] data) throws CertificateImportException {
        List<X509CRL> in = CertificateFiles.readCrls(data);
        java.time.Instant now = clock.instant();
        org.umsec.certs.internal.ChainValidator validator = new org.umsec.certs.internal.ChainValidator(contents);
        Map<Path, X509CRL> accepted = new java.util.LinkedHashMap<>();
        for (X509CRL crl : in) {
            String issuer = crl.getIssuerX500Principal().getName();
            X509Certificate signer = null;
            List<String> why = new ArrayList<>();
            List<X509Certificate> named = new ArrayList<>();
            for (X509Certificate c : contents.trustedRoots()) {
                if (c.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                    named.add(c);
                }
            }
            for (X509Certificate c : contents.intermediates()) {
                if (c.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                    named.add(c);
                }
            }
            for (X509Certificate c : named) {
                try {
                    crl.verify(c.getPublicKey());
                } catch (java.security.GeneralSecurityException | RuntimeException e) {
                    why.add("signature does not verify with "
                            + CertificateInfo.of(c).sha1Thumbprint());
                    continue;
                }
                ValidationResult r = validator.validateIssuer(c, now, SelectionCriteria.DEFAULT_MIN_RSA_BITS);
                if (!r.isValid()) {
                    why.add("issuer certificate " + CertificateInfo.of(c).sha1Thumbprint() + " not trusted: " + r);
                    continue;
                }
                if (!org.umsec.certs.internal.ChainValidator.mayIssueCrls(c)) {
                    why.add("issuer certificate " + CertificateInfo.of(c).sha1Thumbprint()
                            + " key usage lacks cRLSign");
                    continue;
                }
                signer = c;
                break;
            }
            if (signer == null) {
                throw new CertificateImportException(
                        Reason.UNTRUSTED_ISSUER,
                        "CRL of " + issuer
                                + " is not signed by a trusted issuer: "
                                + (named.isEmpty()
                                        ? "no trusted root or intermediate of that name is in the store"
                                        : String.join("; ", why)));
            }
            Path file = crlFile(crl);
            CrlInfo fresh = new CrlInfo(baseName(file), null, crl);
            for (CrlInfo old : crlInfos) {
                if (!old.issuer().equals(crl.getIssuerX500Principal()) || !verifiesWith(old.crl(), signer)) {
                    continue;
                }
                boolean olderNumber = fresh.crlNumber().isPresent()
                        && old.crlNumber().isPresent()
                        && fresh.crlNumber().get().compareTo(old.crlNumber().get()) < 0;
                if (fresh.thisUpdate().isBefore(old.thisUpdate()) || olderNumber) {
                    throw new CertificateImportException(
                            Reason.OUTDATED,
                            "CRL of " + issuer + " issued "
                                    + fresh.thisUpdate()
                                    + fresh.crlNumber()
                                            .map(n -> " (number " + n + ")")
                                            .orElse("")
                                    + " is older than the stored one issued " + old.thisUpdate()
                                    + old.crlNumber()
                                            .map(n -> " (number " + n + ")")
                                            .orElse(""));
                }
            }
            X509CRL other = accepted.get(file);
            if (other == null || other.getThisUpdate().before(crl.getThisUpdate())) {
                accepted.put(file, crl);
            }
        }
        try {
            for (Map.Entry<Path, X509CRL> e : accepted.entrySet()) {
                AtomicFiles.write(
                        e.getKey(), CertificateFiles.toPem(e.getValue()).getBytes(StandardCharsets.US_ASCII), false);
            }
            reload();
        } catch (IOException e) {
            throw new CertificateImportException(Reason.IO_ERROR, "cannot write CRL: " + e.getMessage(), e);
        }
        List<CrlInfo> out = new ArrayList<>();
        for (CrlInfo c : crlInfos) {
            if (accepted.containsKey(c.file()) && accepted.get(c.file()).equals(c.crl())) {
                out.add(c);
                publish(SecurityEvent.builder(SecurityEventType.CERTIFICATE_IMPORTED, clock)
                        .message("CRL imported: " + c.issuer().getName())
                        .field("kind", "crl")
                        .field("issuer", c.issuer().getName())
                        .field("id", c.id())
                        .field("thisUpdate", c.thisUpdate())
                        .field(
                                "nextUpdate",
                                c.nextUpdate().map(Object::toString).orElse(""))
                        .field("revoked", c.revokedCount())
                        .build());
            }
        }
        return out;
    }

    private static boolean verifiesWith(X509CRL crl, X509Certificate issuer) {
        try {
            crl.verify(issuer.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Removes stored CRLs ({@code umsec certs crl remove}) and reloads.
     *
     * @param issuerOrId a CRL id as listed by {@link #crls()}, an issuer's distinguished name
     *     ({@code CN=Lab CA,O=Example}), or an issuer's common name
     * @return the CRLs removed; empty when nothing matched
     * @throws IllegalArgumentException when a common name matches CRLs of several different issuers
     *     (use the id or the full name)
     * @throws IOException on delete failure
     */
    public synchronized List<CrlInfo> removeCrl(String issuerOrId) throws IOException {
        Objects.requireNonNull(issuerOrId, "issuerOrId");
        String wanted = issuerOrId.trim();
        X500Principal dn = null;
        if (wanted.contains("=")) {
            try {
                dn = new X500Principal(wanted);
            } catch (IllegalArgumentException e) {
                dn = null;
            }
        }
        List<CrlInfo> byId = new ArrayList<>();
        List<CrlInfo> byName = new ArrayList<>();
        List<CrlInfo> byCn = new ArrayList<>();
        for (CrlInfo c : crlInfos) {
            if (c.id().equals(wanted)) {
                byId.add(c);
            } else if (dn != null && c.issuer().equals(dn)) {
                byName.add(c);
            } else if (c.issuerCommonName().equals(wanted)) {
                byCn.add(c);
            }
        }
        List<CrlInfo> remove = !byId.isEmpty() ? byId : !byName.isEmpty() ? byName : byCn;
        if (remove == byCn && byCn.stream().map(CrlInfo::issuer).distinct().count() > 1) {
            throw new IllegalArgumentException("common name " + wanted + " matches CRLs of several issuers: "
                    + byCn.stream()
                            .map(c -> c.id() + " (" + c.issuer().getName() + ")")
                            .toList()
                    + "; give the id or the full issuer name");
        }
        for (CrlInfo c : remove) {
            AtomicFiles.delete(c.file());
        }
        if (!remove.isEmpty()) {
            reload();
            LOG.info("removed CRL(s) {}", remove);
        }
        return List.copyOf(remove);
    }

    private static byte[] sha1(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-1").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Imports trusted roots from PEM, DER or PKCS#7 (R12: a gateway's certificate or its CA root).
     *
     * @param data the encoded certificates
     * @return the certificates now trusted
     * @throws CertificateImportException when the input holds no readable certificate, or on write failure
     */
    public synchronized List<X509Certificate> importTrusted(byte[] data) throws CertificateImportException {
        List<X509Certificate> certs = CertificateFiles.readCertificates(data);
        try {
            for (X509Certificate c : certs) {
                addTrustedRoot(c);
            }
        } catch (IOException e) {
            throw new CertificateImportException(Reason.IO_ERROR, "cannot write trusted root: " + e.getMessage(), e);
        }
        return certs;
    }

    /**
     * Imports a PKCS#12 file as a personal certificate (key must match).
     *
     * @param data the PKCS#12 bytes
     * @param password its password
     * @return the stored certificate
     * @throws CertificateImportException wrong password, garbage, no key, key mismatch, or write failure
     */
    public synchronized PersonalCertificate importPkcs12(byte[] data, char[] password)
            throws CertificateImportException {
        PersonalCertificate pc = CertificateFiles.readPkcs12(data, password);
        return importPersonal(pc);
    }

    /**
     * Imports a PEM/DER certificate chain and its private key as a personal certificate.
     *
     * @param certificates the chain, server certificate first
     * @param privateKey the key (PEM or DER PKCS#8, or traditional OpenSSL PEM)
     * @param password password of an encrypted key, or null
     * @return the stored certificate
     * @throws CertificateImportException malformed input, wrong password, key mismatch, or write failure
     */
    public synchronized PersonalCertificate importPem(byte[] certificates, byte[] privateKey, char[] password)
            throws CertificateImportException {
        List<X509Certificate> chain = CertificateFiles.readCertificates(certificates);
        PrivateKey key = CertificateFiles.readPrivateKey(privateKey, password);
        CertificateFiles.checkKeyMatches(key, chain.get(0));
        return importPersonal(PersonalCertificate.of(key, chain));
    }

    private PersonalCertificate importPersonal(PersonalCertificate pc) throws CertificateImportException {
        try {
            addPersonal(pc);
        } catch (IOException e) {
            throw new CertificateImportException(
                    Reason.IO_ERROR, "cannot write personal certificate: " + e.getMessage(), e);
        }
        imported("personal certificate", pc.info());
        return pc;
    }

    /**
     * Creates a key pair and a PKCS#10 request (R13), storing the key in {@code requests/<alias>.key}
     * (0600) and the request in {@code requests/<alias>.csr} until the signed certificate comes back.
     *
     * @param request subject, names and purposes of the request
     * @param algorithm key type
     * @return the pending request; hand {@link CertificateRequest#toPem()} to the CA
     * @throws IOException on write failure
     */
    public synchronized PendingRequest createRequest(CertificateRequest.Builder request, KeyAlgorithm algorithm)
            throws IOException {
        KeyPair kp = algorithm.generateKeyPair();
        CertificateRequest csr = request.build(kp);
        String base = X509Support.commonName(csr.subject().getEncoded())
                .orElse("request")
                .replaceAll("[^A-Za-z0-9._-]", "_");
        String alias = base + "-"
                + org.umsec.certs.internal.Hex.encode(sha1(kp.getPublic().getEncoded()))
                        .substring(0, 8)
                        .toLowerCase(Locale.ROOT);
        if (!aliasOk(alias)) {
            alias = "request-" + alias.substring(alias.length() - 8);
        }
        Path d = dir.resolve(REQUESTS);
        AtomicFiles.write(
                d.resolve(alias + ".key"),
                CertificateFiles.toPem(kp.getPrivate()).getBytes(StandardCharsets.US_ASCII),
                true);
        AtomicFiles.write(d.resolve(alias + ".csr"), csr.toPem().getBytes(StandardCharsets.US_ASCII), false);
        reload();
        return new PendingRequest(alias, csr);
    }

    /**
     * Imports a certificate signed for one of the pending requests (R13): finds the request whose key
     * matches, moves key and certificate to {@code personal/<alias>}, and deletes the request.
     *
     * @param signed the signed certificate, optionally followed by its chain (PEM, DER or PKCS#7)
     * @return the new personal certificate
     * @throws CertificateImportException {@code NO_MATCHING_REQUEST} when no pending key matches,
     *     or malformed input / write failure
     */
    public synchronized PersonalCertificate importSignedCertificate(byte[] signed) throws CertificateImportException {
        List<X509Certificate> chain = CertificateFiles.readCertificates(signed);
        X509Certificate leaf = chain.get(0);
        for (PendingRequest p : pending.values()) {
            if (!p.request().publicKey().equals(leaf.getPublicKey())) {
                continue;
            }
            Path keyFile = dir.resolve(REQUESTS).resolve(p.alias() + ".key");
            PrivateKey key = CertificateFiles.readPrivateKey(read(keyFile), null);
            String mismatch = KeyChecks.mismatch(key, leaf.getPublicKey());
            if (mismatch != null) {
                throw new CertificateImportException(Reason.KEY_MISMATCH, "request " + p.alias() + ": " + mismatch);
            }
            PersonalCertificate pc = PersonalCertificate.of(p.alias(), key, chain);
            try {
                addPersonal(pc);
                AtomicFiles.delete(dir.resolve(REQUESTS).resolve(p.alias() + ".csr"));
                AtomicFiles.delete(keyFile);
                reload();
            } catch (IOException e) {
                throw new CertificateImportException(
                        Reason.IO_ERROR, "cannot store signed certificate: " + e.getMessage(), e);
            }
            imported("signed certificate", pc.info());
            return pc;
        }
        throw new CertificateImportException(
                Reason.NO_MATCHING_REQUEST,
                "no pending request has the key of "
                        + leaf.getSubjectX500Principal().getName() + " (pending: " + pending.keySet() + ")");
    }

    /**
     * Saves a lab CA as {@code ca/<name>.crt} (chain) and {@code ca/<name>.key} (0600).
     *
     * @param name file-safe name
     * @param ca the CA
     * @throws IOException on write failure
     */
    public synchronized void saveAuthority(String name, CertificateAuthority ca) throws IOException {
        PersonalCertificate.checkAlias(name);
        Path d = dir.resolve(CA);
        AtomicFiles.write(
                d.resolve(name + ".key"),
                CertificateFiles.toPem(ca.privateKey()).getBytes(StandardCharsets.US_ASCII),
                true);
        AtomicFiles.write(
                d.resolve(name + ".crt"),
                CertificateFiles.toPem(ca.chain()).getBytes(StandardCharsets.US_ASCII),
                false);
    }

    /**
     * Loads a lab CA saved with {@link #saveAuthority}.
     *
     * @param name its name
     * @return the CA, empty when no such files exist
     * @throws CertificateImportException when the files are unreadable or do not belong together
     */
    public Optional<CertificateAuthority> loadAuthority(String name) throws CertificateImportException {
        PersonalCertificate.checkAlias(name);
        Path crt = dir.resolve(CA).resolve(name + ".crt");
        Path key = dir.resolve(CA).resolve(name + ".key");
        if (!Files.exists(crt) || !Files.exists(key)) {
            return Optional.empty();
        }
        List<X509Certificate> chain = CertificateFiles.readCertificates(read(crt));
        PrivateKey k = CertificateFiles.readPrivateKey(read(key), null);
        CertificateFiles.checkKeyMatches(k, chain.get(0));
        try {
            return Optional.of(CertificateAuthority.of(k, chain, clock));
        } catch (IllegalArgumentException e) {
            throw new CertificateImportException(Reason.UNSUPPORTED, name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Watches the store directories and runs {@code onChange} (on a daemon thread) after files
     * change. Used by {@link CertificateProvider} for rotation without restart.
     *
     * @param onChange the callback
     * @return closes the watcher
     * @throws IOException when the platform cannot watch directories
     */
    public AutoCloseable watch(Runnable onChange) throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (String sub : Arrays.asList(PERSONAL, TRUSTED, INTERMEDIATE, CRL)) {
            Path d = dir.resolve(sub);
            Files.createDirectories(d);
            dirs.add(d);
        }
        return new StoreWatcher(dirs, onChange);
    }

    /** Builder for {@link CertificateStore}. */
    public static final class Builder {
        private final Path dir;
        private Clock clock = Clock.systemUTC();
        private SecurityEventListener events;
        private char[] pkcs12Password = new char[0];

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "directory");
        }

        /**
         * @param c clock for event times and lab CAs (default system UTC)
         * @return this
         */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        /**
         * @param listener receives file-unreadable and import events (default none: logged only)
         * @return this
         */
        public Builder events(SecurityEventListener listener) {
            this.events = listener;
            return this;
        }

        /**
         * @param password password of the PKCS#12 files placed in {@code personal/} (default empty)
         * @return this
         */
        public Builder pkcs12Password(char[] password) {
            this.pkcs12Password = password.clone();
            return this;
        }

        /**
         * Creates the directories if needed and loads the store.
         *
         * @return the store
         * @throws IOException when the directory cannot be created or listed
         */
        public CertificateStore open() throws IOException {
            for (String sub : Arrays.asList(PERSONAL, TRUSTED, INTERMEDIATE, CRL, REQUESTS, CA)) {
                Files.createDirectories(dir.resolve(sub));
            }
            CertificateStore s = new CertificateStore(this);
            s.reload();
            return s;
        }
    }
}
