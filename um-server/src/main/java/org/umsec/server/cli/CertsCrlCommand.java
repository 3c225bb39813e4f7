package org.umsec.server.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.umsec.certs.CertificateImportException;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.CrlInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code umsec certs crl import|list|remove}: the certificate revocation lists of the store (issue 9
 * item 7). A CRL is accepted only when a trusted CA of the store signed it, and never replaces a newer
 * one of the same issuer. A running server applies changes from its next handshake and re-checks
 * established connections.
 */
@Command(
        name = "crl",
        mixinStandardHelpOptions = true,
        description = "Manage certificate revocation lists: import, list, remove.",
        subcommands = {CertsCrlCommand.Import.class, CertsCrlCommand.ListCmd.class, CertsCrlCommand.Remove.class})
final class CertsCrlCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String describe(CrlInfo c, Instant now) {
        return c.id() + ": issuer " + c.issuer().getName() + "\n      thisUpdate " + c.thisUpdate() + ", nextUpdate "
                + c.nextUpdate().map(Instant::toString).orElse("(none)")
                + c.crlNumber().map(n -> ", number " + n).orElse("") + ", " + c.revokedCount() + " revoked"
                + (c.isStale(now) ? "\n      STALE: past its nextUpdate; import a current CRL of this issuer" : "");
    }

    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description =
                    "Import CRLs (PEM or DER). Each must be signed by a trusted CA of the store (a trusted root, or"
                            + " an intermediate chaining to one) and be no older than the stored CRL of its issuer.")
    static final class Import extends CertsCommand.Sub {
        @Parameters(paramLabel = "FILE", description = "CRL file (PEM or DER)")
        Path file;

        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.existing();
            List<CrlInfo> in;
            try {
                in = st.importCrl(read(file));
            } catch (CertificateImportException e) {
                throw new CliException(file + ": CRL refused (" + e.reason() + "): " + e.getMessage());
            }
            Instant now = Clock.systemUTC().instant();
            for (CrlInfo c : in) {
                out().println("Imported CRL " + describe(c, now));
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the CRLs of the store.")
    static final class ListCmd extends CertsCommand.Sub {
        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.existing();
            Instant now = Clock.systemUTC().instant();
            out().println("CRLs (" + st.crls().size() + "):");
            for (CrlInfo c : st.crls()) {
                out().println("  " + describe(c, now));
            }
            return 0;
        }
    }

    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description = "Remove CRLs by id (as listed), issuer name (CN=...,O=...) or issuer common name.")
    static final class Remove extends CertsCommand.Sub {
        @Parameters(paramLabel = "ISSUER|ID", description = "CRL id, issuer distinguished name or issuer common name")
        String which;

        @Override
        public Integer call() throws Exception {
            CertificateStore st = storeOption.existing();
            List<CrlInfo> removed;
            try {
                removed = st.removeCrl(which);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (removed.isEmpty()) {
                throw new CliException("no CRL matches " + which + " (see: umsec certs crl list)");
            }
            for (CrlInfo c : removed) {
                out().println("Removed CRL " + c.id() + " of " + c.issuer().getName());
            }
            return 0;
        }
    }
}
