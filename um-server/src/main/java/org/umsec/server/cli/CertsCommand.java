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
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Manage the certificate store: list, select, new-self-signed, request, sign, import, export, trust.",
        subcommands = {CertsCommand.ListCmd.class, CertsCommand.Select.class, CertsCommand.NewSelfSigned.class,
            CertsCommand.Request.class, CertsCommand.Sign.class, CertsCommand.Import.class, CertsCommand.Export.class,
            CertsCommand.Trust.class, CertsCrlCommand.class})
final class CertsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The store option every subcommand shares. */
    static class StoreOption {
        @Option(names = "--store", paramLabel = "DIR", defaultValue = "var/certs",
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
        return i.subject().getName() + "\n      issuer " + i.issuer().getName() + "\n      serial " + i.serialNumberHex()
                + ", SHA-1 " + i.sha1Thumbprint() + ", " + i.kind() + ", " + i.keyAlgorithm() + " " + i.keySize()
                + ", purposes " + i.keyPurposes() + "\n      valid " + i.notBefore() + " .. " + i.notAfter()
                + ", names " + i.identity().presentedIdentities();
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the store: personal certificates,"
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
                o.println("  " + p.alias() + ": " + p.request().subject().getName() + " " + p.request().dnsNames());
            }
            for (SkippedFile f : st.skippedFiles()) {
                o.println("Unreadable: " + f.file() + ": " + f.reason());
            }
            return 0;
        }
    }

    @Command(name = "select", mixinStandardHelpOptions = true,
            description = "Show which certificate the server would use and why (R9 order, every candidate explained).")
    static final class Select extends Sub {
        @Option(names = "--client-auth", description = "also require client authentication (gateways such as Dialogic 2000/4000, R14)")
        boolean clientAuth;

        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.existing();
            SelectionResult r = CertificateSelector.select(st.contents(),
                    clientAuth ? SelectionCriteria.serverAndClientAuth() : SelectionCriteria.serverAuth(), Clock.systemUTC());
            out().println(r.explain());
            if (r.selected().isEmpty()) {
                out().println("No valid certificate: the server would generate a self-signed one at start (R9).");
            }
            return 0;
        }
    }

    @Command(name = "new-self-signed", mixinStandardHelpOptions = true,
            description = "Create a self-signed certificate in the store. Every peer must then import it as a trusted root"
                + " (R15): prefer a CA (request/sign).")
    static final class NewSelfSigned extends Sub {
        @Option(names = "--dns", paramLabel = "NAME", description = "DNS name (repeatable); the first is the CN")
        List<String> dns = new ArrayList<>();

        @Option(names = "--ip", paramLabel = "ADDRESS", description = "IP address (repeatable)")
        List<String> ips = new ArrayList<>();

        @Option(names = "--days", defaultValue = "365", description = "validity in days (default ${DEFAULT-VALUE})")
        int days;

        @Option(names = "--key", defaultValue = "EC_P256", description = "key type: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
        KeyAlgorithm keyAlgorithm;

        @Override
        public Integer call() throws Exception {
            if (dns.isEmpty() && ips.isEmpty()) {
                throw new CliException("give at least one --dns or --ip");
            }
            CertificateSpec.Builder b = CertificateSpec.builder().validity(Duration.ofDays(days)).keyAlgorithm(keyAlgorithm);
            dns.forEach(b::dnsName);
            ips.forEach(b::ipAddress);
            PersonalCertificate pc = storeOption.open().addPersonal(CertificateGenerator.selfSigned(b.build(), Clock.systemUTC()));
            out().println("Created " + pc.alias() + ": " + describe(pc.info()));
            out().println("Warning: " + CertificateGenerator.SELF_SIGNED_WARNING);
            return 0;
        }
    }

    @Command(name = "request", mixinStandardHelpOptions = true,
            description = "Create a key and a PKCS#10 certificate request (R13); the key stays in the store until the"
                + " signed certificate is imported (umsec certs import --signed).")
    static final class Request extends Sub {
        @Option(names = "--dns", paramLabel = "NAME", description = "DNS name (repeatable)")
        List<String> dns = new ArrayList<>();

        @Option(names = "--ip", paramLabel = "ADDRESS", description = "IP address (repeatable)")
        List<String> ips = new ArrayList<>();

        @Option(names = "--subject", paramLabel = "DN", description = "subject, e.g. CN=um1.contoso.com,O=Contoso (default CN=first name)")
        String subject;

        @Option(names = "--key", defaultValue = "EC_P256", description = "key type: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
        KeyAlgorithm keyAlgorithm;

        @Option(names = "--out", paramLabel = "FILE", required = true, description = "where to write the request (PEM)")
        Path outFile;

        @Override
        public Integer call() throws Exception {
            if (dns.isEmpty() && ips.isEmpty() && subject == null) {
                throw new CliException("give --dns, --ip or --subject");
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
            out().println("Request " + p.alias() + " for " + p.request().subject().getName() + " written to " + outFile
                    + "; have a CA sign it (umsec certs sign), then: umsec certs import --signed FILE");
            return 0;
        }
    }

    @Command(name = "sign", mixinStandardHelpOptions = true,
            description = "Sign a certificate request with a lab CA kept in the store (created on first use). Gateways"
                + " and servers then trust the CA's root (export it with: umsec certs export --ca NAME).")
    static final class Sign extends Sub {
        @Option(names = "--ca", paramLabel = "NAME", defaultValue = "lab-ca", description = "lab CA name (default ${DEFAULT-VALUE})")
        String ca;

        @Option(names = "--csr", paramLabel = "FILE", required = true, description = "the PKCS#10 request (PEM or DER)")
        Path csr;

        @Option(names = "--out", paramLabel = "FILE", required = true, description = "where to write the certificate chain (PEM)")
        Path outFile;

        @Option(names = "--profile", defaultValue = "COMPUTER",
                description = "${COMPLETION-CANDIDATES}: COMPUTER = server+client auth (Dialogic), WEB_SERVER = server auth only (default ${DEFAULT-VALUE})")
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
        CertificateAuthority created = CertificateAuthority.createRoot(CertificateSpec.builder()
                .subject("CN=umsec lab CA " + name).validity(Duration.ofDays(3650)).build(), Clock.systemUTC());
        st.saveAuthority(name, created);
        st.addTrustedRoot(created.rootCertificate());
        out.println("Created lab CA " + name + " (root SHA-1 " + CertificateInfo.of(created.rootCertificate()).sha1Thumbprint()
                + "), trusted by this store");
        return created;
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import a certificate with its key (PEM or PKCS#12), or the signed answer to a pending request.")
    static final class Import extends Sub {
        @Option(names = "--signed", paramLabel = "FILE", description = "a certificate signed for a pending request")
        Path signed;

        @Option(names = "--cert", paramLabel = "FILE", description = "certificate chain (PEM), with --key")
        Path cert;

        @Option(names = "--key", paramLabel = "FILE", description = "private key (PEM) for --cert")
        Path key;

        @Option(names = "--pkcs12", paramLabel = "FILE", description = "a PKCS#12/PFX file with key and chain")
        Path pkcs12;

        @Option(names = "--password", paramLabel = "PASSWORD", arity = "0..1", interactive = true,
                description = "password of the PKCS#12 file or encrypted key")
        char[] password;

        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.open();
            int given = (signed != null ? 1 : 0) + (cert != null ? 1 : 0) + (pkcs12 != null ? 1 : 0);
            if (given != 1) {
                throw new CliException("give exactly one of --signed, --cert (with --key), --pkcs12");
            }
            PersonalCertificate pc;
            try {
                if (signed != null) {
                    pc = st.importSignedCertificate(read(signed));
                } else if (pkcs12 != null) {
                    pc = st.importPkcs12(read(pkcs12), password == null ? new char[0] : password);
                } else {
                    if (key == null) {
                        throw new CliException("--cert needs --key");
                    }
                    pc = st.importPem(read(cert), read(key), password);
                }
            } catch (CertificateImportException e) {
                throw new CliException("import refused (" + e.reason() + "): " + e.getMessage());
            }
            out().println("Imported " + pc.alias() + ": " + describe(pc.info()));
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Export a certificate (public part, PEM) for gateways, PBXs and other servers to trust (R12):"
                + " the certificate selection picks, a given alias, or a lab CA's root.")
    static final class Export extends Sub {
        @Option(names = "--alias", paramLabel = "ALIAS", description = "a personal certificate (default: the one selection picks)")
        String alias;

        @Option(names = "--ca", paramLabel = "NAME", description = "export this lab CA's root instead")
        String ca;

        @Option(names = "--out", paramLabel = "FILE", required = true, description = "where to write (PEM)")
        Path outFile;

        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.existing();
            X509Certificate c;
            if (ca != null) {
                c = st.loadAuthority(ca).orElseThrow(() -> new CliException("no lab CA named " + ca)).rootCertificate();
            } else if (alias != null) {
                c = st.personal(alias).orElseThrow(() -> new CliException("no personal certificate " + alias))
                        .certificate();
            } else {
                c = CertificateSelector.select(st.contents(), SelectionCriteria.serverAuth(), Clock.systemUTC()).selected()
                        .orElseThrow(() -> new CliException("no valid certificate in the store to export"))
                        .certificate().certificate();
            }
            write(outFile, CertificateFiles.toPem(c));
            out().println("Exported " + describe(CertificateInfo.of(c)));
            out().println("Written to " + outFile + "; import it on the peer as a trusted root");
            return 0;
        }
    }

    @Command(name = "trust", mixinStandardHelpOptions = true,
            description = "Import certificates as trusted roots: a gateway's self-signed certificate or a CA root (R12)."
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
            }
            return 0;
        }
    }
}
