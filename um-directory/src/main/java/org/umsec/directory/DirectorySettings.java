package org.umsec.directory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach the configuration directory: the {@code directory:} section of the server's YAML file.
 *
 * <pre>{@code
 * directory:
 *   url: ldaps://ldap.example.test          # ldaps:// (port 636) or ldap:// (port 389) with tls: starttls
 *   bindDn: cn=umsec,ou=services,dc=example,dc=test
 *   password: env:UMSEC_LDAP_PASSWORD       # or file:/etc/umsec/ldap.secret
 *   baseDn: ou=umsec,dc=example,dc=test
 *   tls: {mode: ldaps, ca: /etc/umsec/ldap-ca.pem}   # or a mode alone: ldaps | starttls | none
 *   pollSeconds: 30                          # polling interval where the directory cannot push changes
 * }</pre>
 *
 * <p>Security by default: the connection is protected by TLS (1.2 or 1.3) with the server's
 * certificate checked against the trusted roots (a CA file, or those the caller supplies, normally the
 * umsec certificate store's) and its host name against the URL's host. {@link Tls#NONE} (a plain
 * {@code ldap://} connection that sends the bind password in clear) is used only when written
 * explicitly, and callers report it as an insecure option. Without {@code bindDn} the connection binds
 * anonymously.
 *
 * <p>Immutable. {@link #toString()} never shows the password.
 */
public final class DirectorySettings {

    /** Default {@code pollSeconds}: the polling interval, and the retry interval during an outage. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);
    /** Time to open a connection (TCP and TLS) before the directory counts as unreachable. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Time to wait for any answer of the directory before it counts as unreachable. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(10);
    /** Largest password file read ({@code file:PATH}). */
    public static final int MAX_PASSWORD_FILE_BYTES = 4096;

    /** How the connection is protected. */
    public enum Tls {
        /** TLS from the first byte ({@code ldaps://}, port 636 by default). */
        LDAPS,
        /** A plain connection ({@code ldap://}) upgraded with the StartTLS operation before the bind (RFC 4513 §3). */
        STARTTLS,
        /** No TLS: the bind password and the configuration cross the network in clear. Only when asked. */
        NONE;

        /**
         * @param text {@code ldaps}, {@code starttls} or {@code none}, case-insensitive
         * @return the mode
         * @throws IllegalArgumentException for anything else
         */
        public static Tls parse(String text) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "ldaps" -> LDAPS;
                case "starttls" -> STARTTLS;
                case "none" -> NONE;
                default ->
                    throw new IllegalArgumentException(
                            "directory.tls must be ldaps, starttls or none, was '" + clean(text) + "'");
            };
        }
    }

    private final URI url;
    private final String host;
    private final int port;
    private final Optional<String> bindDn;
    private final Optional<String> password;
    private final boolean passwordInline;
    private final String baseDn;
    private final Tls tls;
    private final Optional<Path> caFile;
    private final Duration pollInterval;
    private final Duration connectTimeout;
    private final Duration responseTimeout;

    private DirectorySettings(Builder b, URI url, Tls tls) {
        this.url = url;
        this.host = url.getHost();
        this.port = url.getPort() > 0 ? url.getPort() : url.getScheme().equals("ldaps") ? 636 : 389;
        this.bindDn = b.bindDn;
        this.password = b.password;
        this.passwordInline = b.passwordInline;
        this.baseDn = b.baseDn;
        this.tls = tls;
        this.caFile = b.caFile;
        this.pollInterval = b.pollInterval;
        this.connectTimeout = b.connectTimeout;
        this.responseTimeout = b.responseTimeout;
    }

    /**
     * @param url {@code ldaps://HOST[:PORT]} or {@code ldap://HOST[:PORT]}
     * @return a builder
     */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** @return the URL as written, without a trailing slash */
    public String url() {
        String s = url.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** @return the directory's host name (or IP literal), checked against its certificate */
    public String host() {
        return host;
    }

    /** @return the port: the URL's, or 636 for ldaps://, 389 for ldap:// */
    public int port() {
        return port;
    }

    /** @return the DN to bind as, empty for an anonymous bind */
    public Optional<String> bindDn() {
        return bindDn;
    }

    /** @return the bind password, resolved ({@code env:}, {@code file:}); empty without {@link #bindDn()} */
    public Optional<String> password() {
        return password;
    }

    /** @return whether the password was written in the file itself (callers warn: use env: or file:) */
    public boolean passwordInline() {
        return passwordInline;
    }

    /** @return the DN below which the umsec entries are searched */
    public String baseDn() {
        return baseDn;
    }

    /** @return how the connection is protected */
    public Tls tls() {
        return tls;
    }

    /** @return a PEM file of the CA certificates that may issue the directory's certificate, if configured */
    public Optional<Path> caFile() {
        return caFile;
    }

    /** @return the polling interval (directories without change notification) and outage retry interval */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** @return the time allowed to connect (TCP and TLS) */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return the time allowed for each answer */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirectorySettings d
                && url.equals(d.url)
                && bindDn.equals(d.bindDn)
                && password.equals(d.password)
                && baseDn.equals(d.baseDn)
                && tls == d.tls
                && caFile.equals(d.caFile)
                && pollInterval.equals(d.pollInterval)
                && connectTimeout.equals(d.connectTimeout)
                && responseTimeout.equals(d.responseTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(url, bindDn, baseDn, tls, caFile, pollInterval);
    }

    /** @return the settings without the password */
    @Override
    public String toString() {
        return "DirectorySettings[" + url() + ", tls " + tls + ", bindDn " + bindDn.orElse("(anonymous)") + ", baseDn "
                + baseDn + caFile.map(f -> ", ca " + f).orElse("") + ", poll " + pollInterval + "]";
    }

    /**
     * Resolves a secret written as {@code env:NAME} (an environment variable), {@code file:PATH} (the
     * first line of a file, at most {@value #MAX_PASSWORD_FILE_BYTES} bytes) or as itself.
     *
     * @param key the setting's name for messages, for example {@code directory.password}
     * @param spec the value as written
     * @param environment the environment variables
     * @return the secret
     * @throws IllegalArgumentException naming the variable or the file and why it cannot be used
     */
    public static String resolveSecret(String key, String spec, Map<String, String> environment) {
        Objects.requireNonNull(spec, key);
        if (spec.startsWith("env:")) {
            String name = spec.substring(4);
            String v = environment.get(name);
            if (v == null) {
                throw new IllegalArgumentException(
                        key + " env:" + clean(name) + ": the environment variable " + clean(name) + " is not set");
            }
            return v;
        }
        if (spec.startsWith("file:")) {
            Path f;
            try {
                f = Path.of(spec.substring(5));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(key + " " + clean(spec) + ": not a valid path");
            }
            if (Files.isDirectory(f)) {
                throw new IllegalArgumentException(key + " file:" + f + ": is a directory, not a file");
            }
            if (Files.exists(f) && !Files.isRegularFile(f)) {
                // a FIFO or a device would block or never end the read
                throw new IllegalArgumentException(key + " file:" + f + ": not a regular file");
            }
            byte[] b;
            try (InputStream in = Files.newInputStream(f)) {
                b = in.readNBytes(MAX_PASSWORD_FILE_BYTES + 1);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(key + " file:" + f + ": no such file or directory");
            } catch (AccessDeniedException e) {
                throw new IllegalArgumentException(key + " file:" + f + ": permission denied");
            } catch (IOException e) {
                throw new IllegalArgumentException(key + " file:" + f + ": cannot be read: " + e.getMessage());
            }
            if (b.length > MAX_PASSWORD_FILE_BYTES) {
                throw new IllegalArgumentException(key + " file:" + f + ": larger than " + MAX_PASSWORD_FILE_BYTES
                        + " bytes; it should hold the password on its first line");
            }
            String s = new String(b, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            String line = nl < 0 ? s : s.substring(0, nl);
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        }
        return spec;
    }

    static String clean(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }

    /** Collects settings; {@link #build()} checks them together. Not thread-safe. */
    public static final class Builder {
        private final String url;
        private Optional<String> bindDn = Optional.empty();
        private Optional<String> password = Optional.empty();
        private boolean passwordInline;
        private String baseDn;
        private Tls tls;
        private Optional<Path> caFile = Optional.empty();
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;

        private Builder(String url) {
            this.url = Objects.requireNonNull(url, "url").strip();
        }

        /**
         * @param dn the DN to bind as (a simple bind); none for an anonymous bind
         * @return this
         * @throws IllegalArgumentException if it is not a DN
         */
        public Builder bindDn(String dn) {
            bindDn = Optional.of(Dns.check("directory.bindDn", dn));
            return this;
        }

        /**
         * @param secret the bind password itself
         * @return this
         */
        public Builder password(String secret) {
            password = Optional.of(Objects.requireNonNull(secret, "password"));
            passwordInline = false;
            return this;
        }

        /**
         * @param spec {@code env:NAME}, {@code file:PATH}, or the password itself (then
         *     {@link DirectorySettings#passwordInline()} is true)
         * @param environment the environment variables ({@code System.getenv()})
         * @return this
         * @throws IllegalArgumentException if the variable is not set or the file cannot be read
         */
        public Builder passwordSpec(String spec, Map<String, String> environment) {
            password = Optional.of(resolveSecret("directory.password", spec, environment));
            passwordInline = !spec.startsWith("env:") && !spec.startsWith("file:");
            return this;
        }

        /**
         * @param dn the DN below which the umsec entries are (required)
         * @return this
         * @throws IllegalArgumentException if it is not a DN
         */
        public Builder baseDn(String dn) {
            baseDn = Dns.check("directory.baseDn", dn);
            return this;
        }

        /**
         * @param mode how the connection is protected; default: {@link Tls#LDAPS} for an {@code ldaps://}
         *     URL, none for {@code ldap://} (which {@link #build()} refuses: say starttls or none)
         * @return this
         */
        public Builder tls(Tls mode) {
            tls = Objects.requireNonNull(mode, "tls");
            return this;
        }

        /**
         * @param pem a PEM file of CA certificates trusted to issue the directory's certificate; none to
         *     use the trusted roots given to {@link LdapConfigSource.Builder#trustedRoots}
         * @return this
         */
        public Builder caFile(Path pem) {
            caFile = Optional.of(Objects.requireNonNull(pem, "caFile"));
            return this;
        }

        /**
         * @param d how often to poll when the directory cannot push changes, and to retry during an
         *     outage; 100 ms to 1 h (a file says {@code pollSeconds}, 1 to 3600), default 30 s
         * @return this
         * @throws IllegalArgumentException if out of range
         */
        public Builder pollInterval(Duration d) {
            if (d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("directory.pollSeconds must be 1..3600, was " + d);
            }
            pollInterval = d;
            return this;
        }

        /**
         * @param d time to connect (TCP and TLS), positive; default 5 s
         * @return this
         */
        public Builder connectTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("connect timeout must be positive");
            }
            connectTimeout = d;
            return this;
        }

        /**
         * @param d time for each answer, positive; default 10 s
         * @return this
         */
        public Builder responseTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("response timeout must be positive");
            }
            responseTimeout = d;
            return this;
        }

        /**
         * Checks and builds.
         *
         * @return the settings
         * @throws IllegalArgumentException naming the key: a URL that is not {@code ldap://} or
         *     {@code ldaps://} with a host (no path, query or user info), {@code ldaps://} with
         *     {@code starttls}, {@code ldap://} without a TLS mode, no base DN, a password without
         *     bind DN or a bind DN without password
         */
        public DirectorySettings build() {
            URI u;
            try {
                u = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("directory.url '" + clean(url) + "' is not a URL: " + e.getReason());
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("ldap") && !scheme.equals("ldaps")) {
                throw new IllegalArgumentException(
                        "directory.url must start with ldaps:// or ldap://, was '" + clean(url) + "'");
            }
            if (u.getHost() == null
                    || u.getRawUserInfo() != null
                    || (u.getRawPath() != null
                            && !u.getRawPath().isEmpty()
                            && !u.getRawPath().equals("/"))
                    || u.getRawQuery() != null
                    || u.getRawFragment() != null) {
                throw new IllegalArgumentException("directory.url must be " + scheme
                        + "://HOST or " + scheme + "://HOST:PORT (the base DN is directory.baseDn), was '"
                        + clean(url) + "'");
            }
            Tls mode = tls;
            if (scheme.equals("ldaps")) {
                if (mode == null) {
                    mode = Tls.LDAPS;
                } else if (mode != Tls.LDAPS) {
                    throw new IllegalArgumentException(
                            "directory.tls " + mode.name().toLowerCase(Locale.ROOT)
                                    + " does not go with an ldaps:// URL (TLS from the first byte); use ldap:// with starttls");
                }
            } else if (mode == null) {
                throw new IllegalArgumentException("directory.url " + clean(url)
                        + " is plain LDAP: write tls: starttls to protect it with StartTLS, or tls: none to send"
                        + " the bind password and the configuration in clear");
            } else if (mode == Tls.LDAPS) {
                throw new IllegalArgumentException("directory.tls ldaps needs an ldaps:// URL");
            }
            if (baseDn == null) {
                throw new IllegalArgumentException("directory.baseDn is missing: the DN below which the umsec"
                        + " entries are, for example ou=umsec,dc=example,dc=test");
            }
            if (bindDn.isPresent() != password.isPresent()) {
                throw new IllegalArgumentException(
                        bindDn.isPresent()
                                ? "directory.password is missing: directory.bindDn needs a password (env:NAME or"
                                        + " file:PATH)"
                                : "directory.bindDn is missing: directory.password is given without a DN to bind as");
            }
            if (caFile.isPresent() && mode == Tls.NONE) {
                throw new IllegalArgumentException(
                        "directory.tls.ca is given but tls is none: no certificate is checked");
            }
            return new DirectorySettings(this, u, mode);
        }
    }
}
