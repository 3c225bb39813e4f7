package org.umsec.server.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.umsec.certs.CertificateStore;
import org.umsec.core.ConfigSnapshot;
import org.umsec.core.ConfigSourceException;
import org.umsec.directory.DirectorySettings;
import org.umsec.directory.LdapConfigSource;

/**
 * Reads the directory a configuration file names ({@code directory:}) while the file is loaded. The
 * default, {@link #ldap()}, opens a connection for the one read; a running server passes one that
 * reads through the source it already watches.
 */
@FunctionalInterface
public interface DirectoryAccess {

    /**
     * @param settings the file's {@code directory:} section
     * @param serverName the file's {@code server.name}
     * @param store the file's certificate store ({@code server.store}): its trusted roots vouch for the
     *     directory's certificate unless {@code directory.tls.ca} names a CA file
     * @return what the directory holds for the server
     * @throws ConfigSourceException if the directory cannot be reached, read or trusted
     * @throws IllegalArgumentException if the TLS trust cannot be set up (CA file unreadable, no trusted root)
     */
    ConfigSnapshot read(DirectorySettings settings, String serverName, Path store) throws ConfigSourceException;

    /** @return one connection per read, trusting the CA file or the store's trusted roots */
    static DirectoryAccess ldap() {
        return (settings, serverName, store) -> {
            try (LdapConfigSource source = LdapConfigSource.builder(settings, serverName)
                    .trustedRoots(storeRoots(store))
                    .build()) {
                return source.read();
            }
        };
    }

    /**
     * The trusted roots of a certificate store, without creating it.
     *
     * @param store the store directory
     * @return its trusted roots; empty when the directory does not exist or cannot be read
     */
    static List<X509Certificate> storeRoots(Path store) {
        if (!Files.isDirectory(store)) {
            return List.of();
        }
        try {
            return CertificateStore.open(store).contents().trustedRoots();
        } catch (IOException e) {
            return List.of();
        }
    }
}
