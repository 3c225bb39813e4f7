package org.umsec.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.umsec.certs.CertificateAuthority;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateGenerator;
import org.umsec.certs.CertificateImportException;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateProfile;
import org.umsec.certs.CertificateRequest;
import org.umsec.certs.CertificateSelector;
import org.umsec.certs.CertificateSpec;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.KeyAlgorithm;
import org.umsec.certs.PendingRequest;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.SelectionCriteria;
import org.umsec.certs.SelectionResult;
import org.umsec.certs.SkippedFile;
import org.umsec.certs.StoreContents;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code umsec certs ...}: the administrator's certificate commands (R12, R13, R24). */
@Command(
        name = "certs",
        mixinStandardHelpOptions = true,
        description =
                "Manage the certificate store: list, select, new-self-signed, request, sign, import, export, trust,"
                        + " untrust, remove, crl.",
        subcommands = {
            CertsCommand.ListCmd.class,
            CertsCommand.Select.class,
            CertsCommand.NewSelfSigned.class,
            CertsCommand.Request.class,
            CertsCommand.Sign.class,
            CertsCommand.Import.class,
            CertsCommand.Export.class,
            CertsCommand.Trust.class,
            CertsCommand.Untrust.class,
            CertsCommand.Remove.class,
            CertsCrlCommand.class
        })
final class CertsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The store option every subcommand shares. */
    static class StoreOption {
        @Option(
                names = "--store",
                paramLabel = "DIR",
                defaultValue = "var/certs",
                description = "certificate store directory (default ${DEFAULT-VALUE})")
        Path store;

        CertificateStore open() throws IOException {
            return CertificateStore.builder(store).open();
        }

        CertificateStore existing() throws IOException, CliException {
            if (!Files.isDirectory(store)) {
                throw new CliException("certificate store " + store + " does not exist");
            }
            return open();
        }
    }

    abstract static class Sub implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        StoreOption storeOption = new StoreOption();

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        static void write(Path file, String text) throws IOException {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text, StandardCharsets.US_ASCII);
        }

        static byte[] read(Path file) throws CliException {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new CliException("cannot read " + file + ": " + e.getMessage());
            }
        }
    }

    static String describe(CertificateInfo i) {
        return i.subject().getName() + "\n      issuer " + i.issuer().getName() + "\n      serial "
                + i.serialNumberHex()
                + ", SHA-1 " + i.sha1Thumbprint() + ", " + i.kind() + ", " + i.keyAlgorithm() + " " + i.keySize()
                + ", purposes " + i.keyPurposes() + "\n      valid " + i.notBefore() + " .. " + i.notAfter()
                + ", names " + i.identity().presentedIdentities();
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the store: personal certificates,"
                    + " trusted roots, intermediates, pending requests, unreadable files.")
    static final class ListCmd extends Sub {
        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.existing();
            StoreContents c = st.contents();
            PrintWriter o = out();
            o.println("Store " + st.directory().toAbsolutePath());
            o.println("Personal certificates (" + c.personal().size() + "):");
            for (PersonalCertificate p : c.personal()) {
                o.println("  " + p.alias() + ": " + describe(p.info()));
            }
            o.println("Trusted roots (" + c.trustedRoots().size() + "):");
            for (X509Certificate r : c.trustedRoots()) {
                o.println("  " + describe(CertificateInfo.of(r)));
            }
            o.println("Intermediates (" + c.intermediates().size() + "):");
            for (X509Certificate r : c.intermediates()) {
                o.println("  " + describe(CertificateInfo.of(r)));
            }
            List<PendingRequest> pending = st.pendingRequests();
            o.println("Pending requests (" + pending.size() + "):");
            for (PendingRequest p : pending) {
                o.println("  " + p.alias() + ": " + p.request().subject().getName() + " "
                        + p.request().dnsNames());
            }
            for (SkippedFile f : st.skippedFiles()) {
                o.println("Unreadable: " + f.file() + ": " + f.reason());
            }
            return 0;
        }
    }

    @Command(
            name = "select",
            mixinStandardHelpOptions = true,
            description = "Show which certificate the server would use and why (R9 order, every candidate explained).")
    static final class Select extends Sub {
        @Option(
                names = "--client-auth",
                description = "also require client authentication (gateways such as Dialogic 2000/4000, R14)")
        boolean clientAuth;

        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.existing();
            SelectionResult r = CertificateSelector.select(
                    st.contents(),
                    clientAuth ? SelectionCriteria.serverAndClientAuth() : SelectionCriteria.serverAuth(),
                    Clock.systemUTC());
            out().println(r.explain());
            if (r.selected().isEmpty()) {
                out().println("No valid certificate: the server would generate a self-signed one at start (R9).");
            }
            return 0;
        }
    }

    @Command(
            name = "new-self-signed",
            mixinStandardHelpOptions = true,
            description =
                    "Create a self-signed certificate in the store. Every peer must then import it as a trusted root"
                            + " (R15): prefer a CA (request/sign).")
    static final class NewSelfSigned extends Sub {
        @Option(names = "--dns", paramLabel = "NAME", description = "DNS name (repeatable); the first is the CN")
        List<String> dns = new ArrayList<>();

        @Option(names = "--ip", paramLabel = "ADDRESS", description = "IP address (repeatable)")
        List<String> ips = new ArrayList<>();

        @Option(names = "--days", defaultValue = "365", description = "validity in days (default ${DEFAULT-VALUE})")
        int days;

        @Option(
                names = "--key",
                defaultValue = "EC_P256",
                description = "key type: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
        KeyAlgorithm keyAlgorithm;

        @Override
        public Integer call() throws Exception {
            if (dns.isEmpty() && ips.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give at least one --dns or --ip");
            }
            CertificateSpec.Builder b =
                    CertificateSpec.builder().validity(Duration.ofDays(days)).keyAlgorithm(keyAlgorithm);
            dns.forEach(b::dnsName);
            ips.forEach(b::ipAddress);
            PersonalCertificate pc =
                    storeOption.open().addPersonal(CertificateGenerator.selfSigned(b.build(), Clock.systemUTC()));
            out().println("Created " + pc.alias() + ": " + describe(pc.info()));
            out().println("Warning: " + CertificateGenerator.SELF_SIGNED_WARNING);
            return 0;
        }
    }

    @Command(
            name = "request",
            mixinStandardHelpOptions = true,
            description = "Create a key and a PKCS#10 certificate request (R13); the key stays in the store until the"
                    + " signed certificate is imported (umsec certs import --signed).")
    static final class Request extends Sub {
        @Option(names = "--dns", paramLabel = "NAME", description = "DNS name (repeatable)")
        List<String> dns = new ArrayList<>();

        @Option(names = "--ip", paramLabel = "ADDRESS", description = "IP address (repeatable)")
        List<String> ips = new ArrayList<>();

        @Option(
                names = "--subject",
                paramLabel = "DN",
                description = "subject, e.g. CN=um1.contoso.com,O=Contoso (default CN=first name)")
        String subject;

        @Option(
                names = "--key",
                defaultValue = "EC_P256",
                description = "key type: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
        KeyAlgorithm keyAlgorithm;

        @Option(names = "--out", paramLabel = "FILE", required = true, description = "where to write the request (PEM)")
        Path outFile;

        @Override
        public Integer call() throws Exception {
            if (dns.isEmpty() && ips.isEmpty() && subject == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --dns, --ip or --subject");
            }
            CertificateRequest.Builder b = CertificateRequest.builder();
            if (subject != null) {
                b.subject(subject);
            } else {
                b.subject("CN=" + (dns.isEmpty() ? ips.get(0) : dns.get(0)));
            }
            dns.forEach(b::dnsName);
            ips.forEach(b::ipAddress);
            PendingRequest p = storeOption.open().createRequest(b, keyAlgorithm);
            write(outFile, p.request().toPem());
            out().println("Request " + p.alias() + " for "
                    + p.request().subject().getName() + " written to " + outFile
                    + "; have a CA sign it (umsec certs sign), then: umsec certs import --signed FILE");
            return 0;
        }
    }

    @Command(
            name = "sign",
            mixinStandardHelpOptions = true,
            description = "Sign a certificate request with a lab CA kept in the store (created on first use). Gateways"
                    + " and servers then trust the CA's root (export it with: umsec certs export --ca NAME).")
    static final class Sign extends Sub {
        @Option(
                names = "--ca",
                paramLabel = "NAME",
                defaultValue = "lab-ca",
                description = "lab CA name (default ${DEFAULT-VALUE})")
        String ca;

        @Option(names = "--csr", paramLabel = "FILE", required = true, description = "the PKCS#10 request (PEM or DER)")
        Path csr;

        @Option(
                names = "--out",
                paramLabel = "FILE",
                required = true,
                description = "where to write the certificate chain (PEM)")
        Path outFile;

        @Option(
                names = "--profile",
                defaultValue = "COMPUTER",
                description =
                        "${COMPLETION-CANDIDATES}: COMPUTER = server+client auth (Dialogic), WEB_SERVER = server auth only (default ${DEFAULT-VALUE})")
        CertificateProfile profile;

        @Option(names = "--days", defaultValue = "365", description = "validity in days (default ${DEFAULT-VALUE})")
        int days;

        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.open();
            CertificateAuthority authority = labCa(st, ca, out());
            CertificateRequest req;
            try {
                req = CertificateRequest.parse(read(csr));
            } catch (CertificateImportException e) {
                throw new CliException(csr + ": " + e.getMessage());
            }
            X509Certificate signed;
            try {
                signed = authority.sign(req, profile, Duration.ofDays(days));
            } catch (IllegalArgumentException e) {
                throw new CliException(csr + ": " + e.getMessage());
            }
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(signed);
            chain.addAll(authority.chain());
            write(outFile, CertificateFiles.toPem(chain));
            out().println("Signed " + describe(CertificateInfo.of(signed)));
            out().println("Written to " + outFile + " (with the CA chain)");
            return 0;
        }
    }

    static CertificateAuthority labCa(CertificateStore st, String name, PrintWriter out) throws Exception {
        Optional<CertificateAuthority> existing;
        try {
            existing = st.loadAuthority(name);
        } catch (CertificateImportException e) {
            throw new CliException("lab CA " + name + " is unreadable: " + e.getMessage());
        }
        if (existing.isPresent()) {
            return existing.get();
        }
        CertificateAuthority created = CertificateAuthority.createRoot(
                CertificateSpec.builder()
                        .subject("CN=umsec lab CA " + name)
                        .validity(Duration.ofDays(3650))
                        .build(),
                Clock.systemUTC());
        st.saveAuthority(name, created);
        st.addTrustedRoot(created.rootCertificate());
        out.println("Created lab CA " + name + " (root SHA-1 "
                + CertificateInfo.of(created.rootCertificate()).sha1Thumbprint() + "), trusted by this store");
        return created;
    }

    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description =
                    "Import a certificate with its key (PEM or PKCS#12), or the signed answer to a pending request.")
    static final class Import extends Sub {
        @Option(names = "--signed", paramLabel = "FILE", description = "a certificate signed for a pending request")
        Path signed;

        @Option(names = "--cert", paramLabel = "FILE", description = "certificate chain (PEM), with --key")
        Path cert;

        @Option(names = "--key", paramLabel = "FILE", description = "private key (PEM) for --cert")
        Path key;

        @Option(names = "--pkcs12", paramLabel = "FILE", description = "a PKCS#12/PFX file with key and chain")
        Path pkcs12;

        @Option(
                names = "--password",
                paramLabel = "PASSWORD",
                arity = "0..1",
                interactive = true,
                description = "password of the PKCS#12 file or encrypted key: the password, env:NAME, file:PATH or"
                        + " pass:TEXT (as openssl -passin); without a value it is asked for")
        char[] password;

        @Override
        public Integer call() throws Exception {
            if (password != null && password.length > 0) {
                password = Passwords.resolve(new String(password), System.getenv());
            }
            CertificateStore st = storeOption.open();
            int given = (signed != null ? 1 : 0) + (cert != null ? 1 : 0) + (pkcs12 != null ? 1 : 0);
            if (given != 1) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "give exactly one of --signed, --cert (with --key), --pkcs12");
            }
            PersonalCertificate pc;
            try {
                if (signed != null) {
                    pc = st.importSignedCertificate(read(signed));
                } else if (pkcs12 != null) {
                    pc = st.importPkcs12(read(pkcs12), password == null ? new char[0] : password);
                } else {
                    if (key == null) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "--cert needs --key");
                    }
                    pc = st.importPem(read(cert), read(key), password);
                }
            } catch (CertificateImportException e) {
                throw new CliException("import refused (" + e.reason() + "): " + e.getMessage());
            }
            out().println("Imported " + pc.alias() + ": " + describe(pc.info()));
            Optional<X509Certificate> anchor = trustAnchor(pc.chain(), st.contents());
            if (anchor.isEmpty()) {
                X509Certificate top = pc.chain().get(pc.chain().size() - 1);
                spec.commandLine()
                        .getErr()
                        .println("Warning: the chain of " + pc.alias() + " ends at "
                                + (isSelfIssued(top)
                                        ? "the root "
                                                + top.getSubjectX500Principal().getName()
                                        : top.getIssuerX500Principal().getName() + " (not included)")
                                + ", which this store does not trust: its own tools (test-connectivity, call) and servers"
                                + " sharing this store will refuse it. Trust the CA root: umsec certs trust ROOT.pem");
            }
            return 0;
        }
    }

    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description = "Export a certificate (public part, PEM) for gateways, PBXs and other servers to trust (R12):"
                    + " the certificate selection picks, a given alias, or a lab CA's root.")
    static final class Export extends Sub {
        @Option(
                names = "--alias",
                paramLabel = "ALIAS",
                description = "a personal certificate (default: the one selection picks)")
        String alias;

        @Option(names = "--ca", paramLabel = "NAME", description = "export this lab CA's root instead")
        String ca;

        @Option(
                names = "--root",
                description = "export the root CA certificate of the chosen certificate's chain"
                        + " (what peers should trust for a CA-issued certificate)")
        boolean root;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "PEM",
                description = "${COMPLETION-CANDIDATES}: PEM = the certificate (with --chain its chain), DER = the"
                        + " certificate, PKCS7 = the chain, PKCS12 = the chain with the private key (needs --password);"
                        + " default ${DEFAULT-VALUE}")
        Format format;

        @Option(names = "--chain", description = "PEM: the whole chain, certificate first")
        boolean chain;

        @Option(
                names = "--password",
                paramLabel = "PASSWORD",
                description = "PKCS12 password: the password, env:NAME, file:PATH or pass:TEXT (as openssl -passin)")
        String password;

        @Option(names = "--out", paramLabel = "FILE", required = true, description = "where to write")
        Path outFile;

        /** Export encodings. */
        enum Format {
            PEM,
            DER,
            PKCS7,
            PKCS12
        }

        @Override
        public Integer call() throws Exception {
            if (ca != null && (alias != null || root)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--ca exports a lab CA's root; it does not" + " combine with --alias or --root");
            }
            if (format == Format.PKCS12 && (ca != null || root)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "PKCS12 exports a personal certificate with" + " its key; a CA root has no key to export here");
            }
            if ((format == Format.PKCS12) != (password != null)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        format == Format.PKCS12
                                ? "--format PKCS12 needs --password (env:NAME or file:PATH keep it out of the process list)"
                                : "--password is for --format PKCS12");
            }
            CertificateStore st = storeOption.existing();
            List<X509Certificate> certs;
            PersonalCertificate personal = null;
            if (ca != null) {
                certs = List.of(st.loadAuthority(ca)
                        .orElseThrow(() -> new CliException("no lab CA named " + ca))
                        .rootCertificate());
            } else {
                if (alias != null) {
                    personal = st.personal(alias)
                            .orElseThrow(() ->
                                    new CliException("no personal certificate " + alias + " (see umsec certs list)"));
                } else {
                    personal = CertificateSelector.select(
                                    st.contents(), SelectionCriteria.serverAuth(), Clock.systemUTC())
                            .selected()
                            .orElseThrow(() -> new CliException("no valid certificate in the store to export"))
                            .certificate();
                }
                certs = personal.chain();
                if (root) {
                    String name = personal.alias();
                    X509Certificate top = certs.get(certs.size() - 1);
                    Optional<X509Certificate> anchor =
                            isSelfIssued(top) ? Optional.of(top) : trustAnchor(certs, st.contents());
                    certs = List.of(anchor.orElseThrow(() -> new CliException("the chain of " + name
                            + " ends at " + top.getIssuerX500Principal().getName() + ", whose root is neither in the"
                            + " chain nor trusted by this store; get it from the CA")));
                }
            }
            X509Certificate c = certs.get(0);
            switch (format) {
                case PEM -> write(outFile, CertificateFiles.toPem(chain ? certs : List.of(c)));
                case DER -> writeBytes(outFile, CertificateFiles.toDer(c), false);
                case PKCS7 ->
                    writeBytes(
                            outFile,
                            java.security.cert.CertificateFactory.getInstance("X.509")
                                    .generateCertPath(certs)
                                    .getEncoded("PKCS7"),
                            false);
                case PKCS12 -> {
                    char[] pw = Passwords.resolve(password, System.getenv());
                    if (pw.length == 0) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "the PKCS12 password is empty");
                    }
                    writeBytes(outFile, CertificateFiles.toPkcs12(personal, pw), true);
                    java.util.Arrays.fill(pw, '\0');
                }
                default -> throw new IllegalStateException(format.name());
            }
            CertificateInfo info = CertificateInfo.of(c);
            out().println("Exported " + describe(info));
            if (format == Format.PKCS12) {
                out().println("Written to " + outFile + " with the private key (owner-readable only): keep it secret");
            } else if (personal != null && !root && !isSelfIssued(c)) {
                // a CA-issued certificate: peers must trust the CA, not this leaf (which changes at each renewal)
                out().println("Written to " + outFile + ". This certificate is issued by the CA "
                        + c.getIssuerX500Principal().getName() + ": peers should trust that CA's root, not this"
                        + " certificate. Export the root with: umsec certs export --root"
                        + (alias != null ? " --alias " + alias : "") + " --out root.pem");
            } else {
                out().println("Written to " + outFile + "; import it on the peer as a trusted root");
            }
            return 0;
        }

        private static void writeBytes(Path file, byte[] data, boolean secret) throws IOException {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (secret) {
                // owner-only before the key is written, not after
                Files.deleteIfExists(file);
                try {
                    Files.createFile(
                            file,
                            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: the platform's defaults apply
                }
            }
            Files.write(file, data);
        }
    }

    static boolean isSelfIssued(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    /**
     * The trusted root this chain leads to in the store: its last certificate itself, or a trusted
     * root (through the store's intermediates) whose key verifies the chain's top. At most 8 steps.
     */
    static Optional<X509Certificate> trustAnchor(List<X509Certificate> chain, StoreContents store) {
        X509Certificate top = chain.get(chain.size() - 1);
        for (int step = 0; step < 8; step++) {
            for (X509Certificate r : store.trustedRoots()) {
                if (r.equals(top)
                        || (r.getSubjectX500Principal().equals(top.getIssuerX500Principal()) && verifies(r, top))) {
                    return Optional.of(r);
                }
            }
            if (isSelfIssued(top)) {
                return Optional.empty();
            }
            X509Certificate next = null;
            for (X509Certificate i : store.intermediates()) {
                if (i.getSubjectX500Principal().equals(top.getIssuerX500Principal()) && verifies(i, top)) {
                    next = i;
                    break;
                }
            }
            if (next == null) {
                return Optional.empty();
            }
            top = next;
        }
        return Optional.empty();
    }

    private static boolean verifies(X509Certificate issuer, X509Certificate subject) {
        try {
            subject.verify(issuer.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    @Command(
            name = "trust",
            mixinStandardHelpOptions = true,
            description =
                    "Import certificates as trusted roots: a gateway's self-signed certificate or a CA root (R12)."
                            + " A running server uses them from its next handshake.")
    static final class Trust extends Sub {
        @Parameters(paramLabel = "FILE", description = "certificate file (PEM, DER or PKCS#7)")
        Path file;

        @Override
        public Integer call() throws Exception {
            List<X509Certificate> added;
            try {
                added = storeOption.open().importTrusted(read(file));
            } catch (CertificateImportException e) {
                throw new CliException("import refused (" + e.reason() + "): " + e.getMessage());
            }
            for (X509Certificate c : added) {
                out().println("Trusted " + describe(CertificateInfo.of(c)));
                if (!isSelfIssued(c) && c.getBasicConstraints() < 0) {
                    spec.commandLine()
                            .getErr()
                            .println("Warning: " + c.getSubjectX500Principal().getName()
                                    + " is a leaf certificate issued by the CA "
                                    + c.getIssuerX500Principal().getName()
                                    + ", not a root: trust that CA's root instead (umsec certs trust ROOT.pem), or the trust"
                                    + " breaks when the peer's certificate is renewed. Undo: umsec certs untrust "
                                    + CertificateInfo.of(c).sha1Thumbprint());
                }
            }
            return 0;
        }
    }

    @Command(
            name = "untrust",
            mixinStandardHelpOptions = true,
            description =
                    "Stop trusting a root: remove it from the store's trusted roots by thumbprint (see umsec certs"
                            + " list). A running server refuses peers that chained to it from its next handshake.")
    static final class Untrust extends Sub {
        @Parameters(paramLabel = "THUMBPRINT", description = "SHA-1 or SHA-256 thumbprint (hex; colons allowed)")
        String thumbprint;

        @Override
        public Integer call() throws Exception {
            String t = thumbprint.replace(":", "");
            if (!t.matches("(?i)[0-9a-f]{40}|[0-9a-f]{64}")) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "THUMBPRINT must be a SHA-1 (40 hex digits)" + " or SHA-256 (64 hex digits) thumbprint, was '"
                                + thumbprint + "'");
            }
            List<X509Certificate> removed = storeOption.existing().removeTrustedRoot(t);
            if (removed.isEmpty()) {
                throw new CliException("no trusted root with thumbprint " + thumbprint + " (see umsec certs list)");
            }
            for (X509Certificate c : removed) {
                out().println("No longer trusted: " + describe(CertificateInfo.of(c)));
            }
            return 0;
        }
    }

    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description =
                    "Delete a personal certificate and its key, or with --request a pending certificate request and"
                            + " its key. A running server re-selects its certificate at once.")
    static final class Remove extends Sub {
        @Parameters(paramLabel = "ALIAS", description = "the alias (see umsec certs list)")
        String alias;

        @Option(names = "--request", description = "ALIAS names a pending request: drop it")
        boolean request;

        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.existing();
            if (request) {
                if (st.pendingRequests().stream().noneMatch(p -> p.alias().equals(alias))) {
                    throw new CliException("no pending request " + alias + " (see umsec certs list)");
                }
                st.removePendingRequest(alias);
                out().println("Dropped request " + alias + " and its key: a certificate signed for it can no longer"
                        + " be imported");
                return 0;
            }
            PersonalCertificate p = st.personal(alias)
                    .orElseThrow(() -> new CliException("no personal certificate "
                            + alias
                            + (st.pendingRequests().stream()
                                            .anyMatch(r -> r.alias().equals(alias))
                                    ? "; " + alias + " is a pending request: umsec certs remove --request " + alias
                                    : " (see umsec certs list)")));
            st.removePersonal(alias);
            out().println("Removed " + alias + " and its key: " + describe(p.info()));
            return 0;
        }
    }
}
