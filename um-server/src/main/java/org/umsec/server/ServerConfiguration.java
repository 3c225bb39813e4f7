package org.umsec.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.umsec.core.ConfigProblem;
import org.umsec.core.InvalidConfigurationException;
import org.umsec.core.IpGateway;
import org.umsec.core.StartupPlan;
import org.umsec.core.TrustList;
import org.umsec.core.UmConfiguration;
import org.umsec.core.UmServer;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.internal.ConfigBinder;
import org.umsec.server.internal.YamlConfigReader;

/**
 * Everything the reference server needs to run: the server's association with dial plans (R3), the
 * dial plans and their VoIP security modes (R1), the IP gateways that form the trusted list (R4,
 * R5), the listening ports (R2) and where certificates and recordings live.
 *
 * <p>Immutable; build one in code with {@link #builder()}, read one from YAML with
 * {@link #load(Path)}, or take the laptop-friendly {@link #embeddedDefault()}. Building checks the
 * whole configuration and throws a {@link ConfigurationException} listing every problem, with file
 * and line when the configuration came from a file.
 *
 * <pre>{@code
 * ServerConfiguration cfg = ServerConfiguration.builder()
 *     .serverName("um1").fqdn("um.example.test")
 *     .dialPlan("dp-secure", VoipSecurityMode.SECURED)
 *     .associateDialPlan("dp-secure")
 *     .gateway(new ServerConfiguration.Gateway("gw1", Optional.of("gw1.example.test"),
 *         Optional.of("192.0.2.10"), 5061, "dp-secure"))
 *     .build();
 * }</pre>
 */
public final class ServerConfiguration {

    /** Default maximum length of one recording. */
    public static final Duration DEFAULT_MAX_RECORDING = Duration.ofSeconds(120);
    /** Default time without media after which a call is ended. */
    public static final Duration DEFAULT_MEDIA_TIMEOUT = Duration.ofSeconds(30);
    /** Default time to wait for the ACK of a 200 OK (64 × T1, RFC 3261 §13.3.1.4). */
    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(32);
    /** Name used in problems for a configuration built in code. */
    public static final String CODE_SOURCE = "<configuration>";
    /** Resource holding the embedded default configuration. */
    public static final String DEFAULT_RESOURCE = "/org/umsec/server/default-config.yaml";

    private static final Pattern HOST_NAME = Pattern.compile(
            "(?i)(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?");
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    /**
     * A dial plan (R1): a name and the VoIP security mode of every call routed through it.
     *
     * @param name unique name
     * @param mode its VoIP security mode
     */
    public record DialPlan(String name, VoipSecurityMode mode) {
        /** Checks the components. */
        public DialPlan {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(mode, "mode");
        }
    }

    /**
     * An IP gateway or IP PBX (R4): on the trusted list by its FQDN and/or address (R5).
     *
     * @param name unique name
     * @param fqdn its FQDN; required for gateways on SIPSecured or Secured dial plans (R4)
     * @param address its IP address; used to recognise plain-TCP peers
     * @param port its SIP port (5061 for secured dial plans, R4)
     * @param dialPlan the dial plan of calls from this gateway
     */
    public record Gateway(String name, Optional<String> fqdn, Optional<String> address, int port, String dialPlan) {
        /** Checks the components. */
        public Gateway {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(fqdn, "fqdn");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(dialPlan, "dialPlan");
        }
    }

    private final String source;
    private final String serverName;
    private final String fqdn;
    private final String bindAddress;
    private final String mediaAddress;
    private final int sipPort;
    private final int tlsPort;
    private final Path store;
    private final Path voicemail;
    private final Optional<Path> greeting;
    private final int startSecured;
    private final List<String> associatedDialPlans;
    private final Map<String, DialPlan> dialPlans;
    private final List<Gateway> gateways;
    private final Duration maxRecording;
    private final Duration mediaTimeout;
    private final Duration ackTimeout;
    private final Duration rtcpInterval;
    private final int selfSignedValidityDays;
    private final String admin;
    private final UmConfiguration core;
    private final StartupPlan startup;
    private final List<String> warnings;

    private ServerConfiguration(Builder b) {
        source = b.source;
        serverName = b.serverName;
        fqdn = b.fqdn;
        bindAddress = b.bindAddress;
        mediaAddress = b.mediaAddress;
        sipPort = b.sipPort;
        tlsPort = b.tlsPort;
        store = b.store;
        voicemail = b.voicemail;
        greeting = b.greeting;
        startSecured = b.startSecured;
        associatedDialPlans = List.copyOf(b.associatedDialPlans);
        dialPlans = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.dialPlans));
        gateways = List.copyOf(b.gateways);
        maxRecording = b.maxRecording;
        mediaTimeout = b.mediaTimeout;
        ackTimeout = b.ackTimeout;
        rtcpInterval = b.rtcpInterval;
        selfSignedValidityDays = b.selfSignedValidityDays;
        admin = b.admin;
        core = b.core;
        startup = b.startup;
        warnings = List.copyOf(b.warnings);
    }

    /** @return a builder with the defaults described on each setter */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads and checks a YAML configuration file.
     *
     * @param file the file
     * @return the configuration
     * @throws ConfigurationException with every problem found (file, line, what is wrong)
     * @throws IOException if the file cannot be read
     */
    public static ServerConfiguration load(Path file) throws ConfigurationException, IOException {
        if (Files.size(file) > YamlConfigReader.MAX_CHARS) {
            throw new ConfigurationException(List.of(new ConfigurationProblem(file.toString(), 0,
                    "file is larger than " + YamlConfigReader.MAX_CHARS + " bytes")));
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Path base = file.toAbsolutePath().getParent();
            return ConfigBinder.bind(YamlConfigReader.sourceName(file), r, base);
        }
    }

    /**
     * Reads and checks a YAML configuration from a reader.
     *
     * @param sourceName name used in problems
     * @param reader the YAML text
     * @param baseDirectory directory that relative paths in the file are resolved against
     * @return the configuration
     * @throws ConfigurationException with every problem found
     */
    public static ServerConfiguration load(String sourceName, Reader reader, Path baseDirectory)
            throws ConfigurationException {
        return ConfigBinder.bind(sourceName, reader, baseDirectory);
    }

    /**
     * The embedded default: server {@code um1} on {@code localhost}, one Secured dial plan, the local
     * machine (127.0.0.1 / {@code localhost}) as trusted gateway, store and recordings under
     * {@code ./var} of the working directory; a self-signed certificate is generated on first start
     * (R9).
     *
     * @return the default configuration
     */
    public static ServerConfiguration embeddedDefault() {
        try (InputStream in = ServerConfiguration.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("embedded default configuration missing: " + DEFAULT_RESOURCE);
            }
            return ConfigBinder.bind("<embedded default>", new InputStreamReader(in, StandardCharsets.UTF_8),
                    Path.of("").toAbsolutePath());
        } catch (IOException | ConfigurationException e) {
            throw new IllegalStateException("embedded default configuration is broken", e);
        }
    }

    /** @return where this configuration came from (file name, or a marker for code/defaults) */
    public String source() {
        return source;
    }

    /** @return the server's name */
    public String serverName() {
        return serverName;
    }

    /** @return the server's FQDN (put in its self-signed certificate, R9) */
    public String fqdn() {
        return fqdn;
    }

    /** @return address the listeners bind to */
    public String bindAddress() {
        return bindAddress;
    }

    /** @return address put in SDP for the server's media */
    public String mediaAddress() {
        return mediaAddress;
    }

    /** @return TCP port for unsecured SIP (R2), 0 for any free port */
    public int sipPort() {
        return sipPort;
    }

    /** @return TCP port for SIP over mutual TLS (R2), 0 for any free port */
    public int tlsPort() {
        return tlsPort;
    }

    /** @return the certificate store directory (um-certs) */
    public Path store() {
        return store;
    }

    /** @return where recordings are written */
    public Path voicemail() {
        return voicemail;
    }

    /** @return a WAV file played to callers, or empty for the built-in tone greeting */
    public Optional<Path> greeting() {
        return greeting;
    }

    /** @return {@code StartSecured} (R3): 1 secured, 0 unsecured; used only with no associated dial plan */
    public int startSecured() {
        return startSecured;
    }

    /** @return names of the dial plans this server is associated with (R2, R3) */
    public List<String> associatedDialPlans() {
        return associatedDialPlans;
    }

    /** @return the dial plans by name, in file order */
    public Map<String, DialPlan> dialPlans() {
        return dialPlans;
    }

    /** @return the gateways, in file order */
    public List<Gateway> gateways() {
        return gateways;
    }

    /** @return maximum length of one recording */
    public Duration maxRecording() {
        return maxRecording;
    }

    /** @return time without received media after which a call is ended */
    public Duration mediaTimeout() {
        return mediaTimeout;
    }

    /** @return time to wait for the ACK of a final response */
    public Duration ackTimeout() {
        return ackTimeout;
    }

    /** @return how often RTCP reports are sent during a call (RFC 3550 §6.2: 5 s) */
    public Duration rtcpInterval() {
        return rtcpInterval;
    }

    /** @return validity of a generated self-signed certificate, in days */
    public int selfSignedValidityDays() {
        return selfSignedValidityDays;
    }

    /** @return the configuration in um-security-core's model (dial plans, gateways, server association) */
    public UmConfiguration umConfiguration() {
        return core;
    }

    /** @return the start-up decision of R3, as um-security-core's {@link StartupPlan} makes it */
    public StartupPlan startupPlan() {
        return startup;
    }

    /**
     * The modes the server must serve at start (R3): those of the associated dial plans, or with no
     * association {@code startSecured} (1 = the secured modes, 0 = Unsecured).
     *
     * @return the modes, never empty
     */
    public Set<VoipSecurityMode> startupModes() {
        return startup.modes();
    }

    /** @return whether a TCP listener is needed (some mode uses plain TCP) */
    public boolean tcpListener() {
        return startup.tcpListener();
    }

    /** @return whether a mutual-TLS listener, and so a certificate (R3, R9), is needed */
    public boolean tlsListener() {
        return startup.tlsListener();
    }

    /** @return the trusted list (R5): every gateway's FQDN and address */
    public TrustList trustList() {
        return core.trustList();
    }

    /** @return findings that do not stop the configuration (um-security-core's warnings) */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The HTTP admin listener ({@code server.admin}: {@code /metrics}, {@code /health/live},
     * {@code /health/ready}). Off unless configured; the embedded default turns it on at
     * {@code 127.0.0.1:9090}. It has no authentication: bind it to a loopback or management address.
     *
     * @return the address and port to listen on (port 0: any free port), or empty when off
     */
    public Optional<InetSocketAddress> admin() {
        return parseAdmin(admin);
    }

    /** @return a builder holding this configuration's values, to derive a changed copy */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.source = source;
        b.serverName = serverName;
        b.fqdn = fqdn;
        b.bindAddress = bindAddress;
        b.mediaAddress = mediaAddress;
        b.sipPort = sipPort;
        b.tlsPort = tlsPort;
        b.store = store;
        b.voicemail = voicemail;
        b.greeting = greeting;
        b.startSecured = startSecured;
        b.associatedDialPlans.addAll(associatedDialPlans);
        b.dialPlans.putAll(dialPlans);
        b.gateways.addAll(gateways);
        b.maxRecording = maxRecording;
        b.mediaTimeout = mediaTimeout;
        b.ackTimeout = ackTimeout;
        b.rtcpInterval = rtcpInterval;
        b.selfSignedValidityDays = selfSignedValidityDays;
        b.admin = admin;
        return b;
    }

    @Override
    public String toString() {
        return "ServerConfiguration[" + source + ": server " + serverName + " (" + fqdn + "), dial plans "
                + dialPlans.values() + ", associated " + associatedDialPlans + ", gateways "
                + gateways.stream().map(Gateway::name).toList() + "]";
    }

    /** Collects values; {@link #build()} checks them all together. Not thread-safe. */
    public static final class Builder {
        private String source = CODE_SOURCE;
        private String serverName = "um1";
        private String fqdn = "localhost";
        private String bindAddress = "0.0.0.0";
        private String mediaAddress = "127.0.0.1";
        private int sipPort = VoipSecurityMode.UNSECURED_PORT;
        private int tlsPort = VoipSecurityMode.SECURED_PORT;
        private Path store = Path.of("var", "certs");
        private Path voicemail = Path.of("var", "voicemail");
        private Optional<Path> greeting = Optional.empty();
        private int startSecured;
        private final List<String> associatedDialPlans = new ArrayList<>();
        private final Map<String, DialPlan> dialPlans = new LinkedHashMap<>();
        private final List<String> duplicateDialPlans = new ArrayList<>();
        private final List<Gateway> gateways = new ArrayList<>();
        private Duration maxRecording = DEFAULT_MAX_RECORDING;
        private Duration mediaTimeout = DEFAULT_MEDIA_TIMEOUT;
        private Duration ackTimeout = DEFAULT_ACK_TIMEOUT;
        private Duration rtcpInterval = Duration.ofSeconds(5);
        private int selfSignedValidityDays = 365;
        private String admin = ADMIN_OFF;
        private final Map<String, Integer> lines = new HashMap<>();
        private UmConfiguration core;
        private StartupPlan startup;
        private final List<String> warnings = new ArrayList<>();

        private Builder() {
        }

        /**
         * @param s name used in problems (a file name); default {@value ServerConfiguration#CODE_SOURCE}
         * @return this
         */
        public Builder source(String s) {
            source = Objects.requireNonNull(s, "source");
            return this;
        }

        /**
         * Remembers the line an element was read from, so that problems can point at it. Keys are
         * {@code server.<key>}, {@code dialPlan:<name>}, {@code gateway:<index>}.
         *
         * @param key element key
         * @param line 1-based line
         * @return this
         */
        public Builder line(String key, int line) {
            lines.put(key, line);
            return this;
        }

        /** @param n server name; default {@code um1} @return this */
        public Builder serverName(String n) {
            serverName = Objects.requireNonNull(n, "serverName");
            return this;
        }

        /** @param f server FQDN; default {@code localhost} @return this */
        public Builder fqdn(String f) {
            fqdn = Objects.requireNonNull(f, "fqdn");
            return this;
        }

        /** @param a listen address; default {@code 0.0.0.0} @return this */
        public Builder bindAddress(String a) {
            bindAddress = Objects.requireNonNull(a, "bindAddress");
            return this;
        }

        /** @param a address advertised in SDP; default {@code 127.0.0.1} @return this */
        public Builder mediaAddress(String a) {
            mediaAddress = Objects.requireNonNull(a, "mediaAddress");
            return this;
        }

        /** @param p TCP SIP port; default 5060; 0 picks a free port @return this */
        public Builder sipPort(int p) {
            sipPort = p;
            return this;
        }

        /** @param p TLS SIP port; default 5061; 0 picks a free port @return this */
        public Builder tlsPort(int p) {
            tlsPort = p;
            return this;
        }

        /** @param p certificate store directory; default {@code var/certs} @return this */
        public Builder store(Path p) {
            store = Objects.requireNonNull(p, "store");
            return this;
        }

        /** @param p recordings directory; default {@code var/voicemail} @return this */
        public Builder voicemail(Path p) {
            voicemail = Objects.requireNonNull(p, "voicemail");
            return this;
        }

        /** @param p greeting WAV (8 kHz mono 16-bit), or null for the built-in tone @return this */
        public Builder greeting(Path p) {
            greeting = Optional.ofNullable(p);
            return this;
        }

        /** @param s {@code StartSecured} 0 or 1 (R3); default 0 @return this */
        public Builder startSecured(int s) {
            startSecured = s;
            return this;
        }

        /** @param name a dial plan to associate the server with (R2) @return this */
        public Builder associateDialPlan(String name) {
            associatedDialPlans.add(Objects.requireNonNull(name, "name"));
            return this;
        }

        /** @return this, with no associated dial plans */
        public Builder clearAssociatedDialPlans() {
            associatedDialPlans.clear();
            return this;
        }

        /**
         * @param name unique dial plan name
         * @param mode its mode (R1: a new dial plan is Unsecured unless told otherwise)
         * @return this
         */
        public Builder dialPlan(String name, VoipSecurityMode mode) {
            if (dialPlans.containsKey(name)) {
                duplicateDialPlans.add(name);
            }
            dialPlans.put(name, new DialPlan(name, mode));
            return this;
        }

        /** @return this, with no dial plans */
        public Builder clearDialPlans() {
            dialPlans.clear();
            return this;
        }

        /** @param g a gateway; its name must be unique @return this */
        public Builder gateway(Gateway g) {
            gateways.add(Objects.requireNonNull(g, "gateway"));
            return this;
        }

        /** @return this, with no gateways */
        public Builder clearGateways() {
            gateways.clear();
            return this;
        }

        /** @param d maximum recording length, positive @return this */
        public Builder maxRecording(Duration d) {
            maxRecording = Objects.requireNonNull(d, "maxRecording");
            return this;
        }

        /** @param d media timeout, positive @return this */
        public Builder mediaTimeout(Duration d) {
            mediaTimeout = Objects.requireNonNull(d, "mediaTimeout");
            return this;
        }

        /** @param d ACK timeout, positive @return this */
        public Builder ackTimeout(Duration d) {
            ackTimeout = Objects.requireNonNull(d, "ackTimeout");
            return this;
        }

        /** @param d interval between RTCP reports, positive (default 5 s) @return this */
        public Builder rtcpInterval(Duration d) {
            rtcpInterval = Objects.requireNonNull(d, "rtcpInterval");
            return this;
        }

        /**
         * @param hostPort {@code server.admin}: {@code IP:PORT} of the HTTP admin listener
         *     ({@code [v6]:PORT} for IPv6, port 0 for any free port), or {@value #ADMIN_OFF}
         *     (the default)
         * @return this
         */
        public Builder admin(String hostPort) {
            admin = Objects.requireNonNull(hostPort, "admin").trim();
            return this;
        }

        /**
         * @param days validity of a generated self-signed certificate, 1..3650
         * @return this
         */
        public Builder selfSignedValidityDays(int days) {
            selfSignedValidityDays = days;
            return this;
        }

        private int at(String key) {
            return lines.getOrDefault(key, 0);
        }

        /**
         * Checks everything and builds.
         *
         * @return the configuration
         * @throws ConfigurationException listing every problem found
         */
        public ServerConfiguration build() throws ConfigurationException {
            List<ConfigurationProblem> p = new ArrayList<>();
            check(p);
            if (!p.isEmpty()) {
                throw new ConfigurationException(p);
            }
            return new ServerConfiguration(this);
        }

        /**
         * Checks everything without building.
         *
         * @param p receives the problems
         */
        public void check(List<ConfigurationProblem> p) {
            if (serverName.isBlank()) {
                p.add(new ConfigurationProblem(source, at("server.name"), "server.name must not be blank"));
            }
            if (!HOST_NAME.matcher(fqdn).matches()) {
                p.add(new ConfigurationProblem(source, at("server.fqdn"), "server.fqdn '" + fqdn
                        + "' is not a valid host name"));
            }
            for (String[] a : new String[][] {{"bind", bindAddress}, {"mediaAddress", mediaAddress}}) {
                if (!isIpLiteral(a[1])) {
                    p.add(new ConfigurationProblem(source, at("server." + a[0]), "server." + a[0]
                            + " must be an IP address, was '" + a[1] + "'"));
                }
            }
            portCheck(p, "sipPort", sipPort);
            portCheck(p, "tlsPort", tlsPort);
            if (sipPort != 0 && sipPort == tlsPort) {
                p.add(new ConfigurationProblem(source, at("server.tlsPort"), "server.sipPort and server.tlsPort are both "
                        + sipPort + "; TCP and TLS need separate ports (R2)"));
            }
            if (startSecured != 0 && startSecured != 1) {
                p.add(new ConfigurationProblem(source, at("server.startSecured"), "server.startSecured must be 0 or 1 (R3), was "
                        + startSecured));
            }
            positive(p, "maxRecordingSeconds", maxRecording);
            positive(p, "mediaTimeoutSeconds", mediaTimeout);
            positive(p, "ackTimeoutSeconds", ackTimeout);
            positive(p, "rtcpIntervalSeconds", rtcpInterval);
            if (selfSignedValidityDays < 1 || selfSignedValidityDays > 3650) {
                p.add(new ConfigurationProblem(source, at("server.selfSignedValidityDays"),
                        "server.selfSignedValidityDays must be 1..3650, was " + selfSignedValidityDays));
            }
            if (parseAdmin(admin).isEmpty() && !admin.equals(ADMIN_OFF)) {
                p.add(new ConfigurationProblem(source, at("server.admin"), "server.admin must be IP:PORT (for example"
                        + " 127.0.0.1:9090, [::1]:9090) or " + ADMIN_OFF + ", was '" + admin + "'"));
            }
            for (String d : duplicateDialPlans) {
                p.add(new ConfigurationProblem(source, at("dialPlan:" + d), "dial plan '" + d + "' is defined twice"));
            }
            for (String name : dialPlans.keySet()) {
                if (name.isBlank()) {
                    p.add(new ConfigurationProblem(source, at("dialPlan:" + name), "a dial plan name must not be blank"));
                }
            }
            Set<String> seen = new HashSet<>();
            for (String dp : associatedDialPlans) {
                if (!dialPlans.containsKey(dp)) {
                    p.add(new ConfigurationProblem(source, at("server.dialPlans"), "server.dialPlans names '" + dp
                            + "', which is not defined under dialPlans (defined: " + dialPlans.keySet() + ")"));
                } else if (!seen.add(dp)) {
                    p.add(new ConfigurationProblem(source, at("server.dialPlans"), "server.dialPlans names '" + dp
                            + "' twice"));
                }
            }
            Set<String> gatewayNames = new HashSet<>();
            for (int i = 0; i < gateways.size(); i++) {
                Gateway g = gateways.get(i);
                int line = at("gateway:" + i);
                String what = "gateway '" + g.name() + "'";
                if (g.name().isBlank()) {
                    p.add(new ConfigurationProblem(source, line, "gateway #" + (i + 1) + " needs a name"));
                } else if (!gatewayNames.add(g.name())) {
                    p.add(new ConfigurationProblem(source, line, what + " is defined twice"));
                }
                if (g.fqdn().isEmpty() && g.address().isEmpty()) {
                    p.add(new ConfigurationProblem(source, line, what
                            + " needs an fqdn or an address: the trusted list is made of them (R5)"));
                }
                g.fqdn().filter(f -> !HOST_NAME.matcher(f).matches() || isIpLiteral(f)).ifPresent(f -> p.add(
                        new ConfigurationProblem(source, line, what + ": fqdn '" + f + "' is not a host name")));
                g.address().filter(a -> !isIpLiteral(a)).ifPresent(a -> p.add(new ConfigurationProblem(source, line,
                        what + ": address '" + a + "' is not an IP address")));
                if (g.port() < 1 || g.port() > 65535) {
                    p.add(new ConfigurationProblem(source, line, what + ": port must be 1..65535, was " + g.port()));
                }
                DialPlan dp = dialPlans.get(g.dialPlan());
                if (dp == null) {
                    p.add(new ConfigurationProblem(source, line, what + " uses dial plan '" + g.dialPlan()
                            + "', which is not defined (defined: " + dialPlans.keySet() + ")"));
                    continue;
                }
                if (!associatedDialPlans.isEmpty() && !associatedDialPlans.contains(dp.name())) {
                    p.add(new ConfigurationProblem(source, line, what + " uses dial plan '" + dp.name()
                            + "', which this server is not associated with (server.dialPlans: " + associatedDialPlans
                            + ")"));
                }
                if (dp.mode().mutualTls()) {
                    if (g.fqdn().isEmpty()) {
                        p.add(new ConfigurationProblem(source, line, what + " is on " + dp.mode().displayName()
                                + " dial plan '" + dp.name() + "' and so needs an fqdn (R4): mutual TLS checks its"
                                + " certificate against it"));
                    }
                    if (g.port() != VoipSecurityMode.SECURED_PORT) {
                        p.add(new ConfigurationProblem(source, line, what + " is on " + dp.mode().displayName()
                                + " dial plan '" + dp.name() + "' and so must use port 5061 (R4), not " + g.port()));
                    }
                }
            }
            if (p.isEmpty()) {
                checkWithCore(p);
            }
        }

        /** Builds um-security-core's model (and its start-up plan); its errors refuse, its warnings are kept. */
        private void checkWithCore(List<ConfigurationProblem> p) {
            warnings.clear();
            try {
                UmServer.Builder server = UmServer.builder(serverName, fqdn).startSecured(startSecured);
                associatedDialPlans.forEach(server::dialPlan);
                UmConfiguration.Builder b = UmConfiguration.builder(server.build());
                for (DialPlan d : dialPlans.values()) {
                    b.dialPlan(org.umsec.core.DialPlan.builder(d.name()).mode(d.mode()).build());
                }
                for (Gateway g : gateways) {
                    IpGateway.Builder gb = IpGateway.builder(g.name()).port(g.port()).dialPlan(g.dialPlan());
                    g.fqdn().ifPresent(gb::fqdn);
                    g.address().ifPresent(gb::address);
                    b.gateway(gb.build());
                }
                UmConfiguration c = b.build();
                // The checks above are the server's rules, with lines; the core model adds the rules that
                // span objects (for example two gateways on one host and port). Its errors refuse the
                // configuration like the server's own; its warnings are logged.
                for (ConfigProblem cp : c.validate()) {
                    int line = lineOf(cp.subject());
                    if (cp.isError()) {
                        p.add(new ConfigurationProblem(source, line, cp.message()));
                    } else {
                        warnings.add((line > 0 ? source + ":" + line + ": " : "") + cp.message());
                    }
                }
                if (!p.isEmpty()) {
                    return;
                }
                startup = StartupPlan.resolve(c);
                core = c;
            } catch (InvalidConfigurationException e) {
                for (ConfigProblem cp : e.problems()) {
                    p.add(new ConfigurationProblem(source, lineOf(cp.subject()), cp.message()));
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                p.add(new ConfigurationProblem(source, 0, e.getMessage()));
            }
        }

        private int lineOf(String subject) {
            String s = subject.strip();
            if (s.startsWith("gateway ")) {
                String name = s.substring(8);
                for (int i = 0; i < gateways.size(); i++) {
                    if (gateways.get(i).name().equalsIgnoreCase(name)) {
                        return at("gateway:" + i);
                    }
                }
            } else if (s.startsWith("dial plan ")) {
                String name = s.substring(10);
                for (String k : dialPlans.keySet()) {
                    if (k.equalsIgnoreCase(name)) {
                        return at("dialPlan:" + k);
                    }
                }
            } else if (s.startsWith("server")) {
                return at("server.dialPlans") > 0 ? at("server.dialPlans") : at("server.name");
            }
            return 0;
        }

        private void portCheck(List<ConfigurationProblem> p, String key, int port) {
            if (port < 0 || port > 65535) {
                p.add(new ConfigurationProblem(source, at("server." + key), "server." + key + " must be 0..65535, was "
                        + port));
            }
        }

        private void positive(List<ConfigurationProblem> p, String key, Duration d) {
            if (d.isNegative() || d.isZero()) {
                p.add(new ConfigurationProblem(source, at("server." + key), "server." + key + " must be positive"));
            }
        }
    }

    /** {@code server.admin} value that turns the admin listener off. */
    public static final String ADMIN_OFF = "off";

    private static Optional<InetSocketAddress> parseAdmin(String v) {
        int colon = v.lastIndexOf(':');
        if (v.equals(ADMIN_OFF) || colon <= 0 || colon == v.length() - 1) {
            return Optional.empty();
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            return Optional.empty(); // an IPv6 address needs brackets: [::1]:9090
        }
        String port = v.substring(colon + 1);
        if (!port.chars().allMatch(Character::isDigit) || port.length() > 5 || !isIpLiteral(host)) {
            return Optional.empty();
        }
        int n = Integer.parseInt(port);
        if (n > 65535) {
            return Optional.empty();
        }
        try {
            return Optional.of(new InetSocketAddress(InetAddress.getByName(host), n));
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }

    static boolean isIpLiteral(String s) {
        if (!IP_LITERAL.matcher(s).matches()) {
            return false;
        }
        if (!s.contains(":")) {
            // dotted quad only: anything else could make InetAddress fall back to a DNS look-up
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
                    return false;
                }
            }
        }
        try {
            InetAddress.getByName(s); // a literal: never resolves a name
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
