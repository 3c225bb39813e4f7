package org.umsec.server.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.umsec.certs.CertificateProvider;
import org.umsec.certs.RevocationPolicy;
import org.umsec.core.ConfigProblem;
import org.umsec.core.ConfigSnapshot;
import org.umsec.core.DialPlan;
import org.umsec.core.HostNames;
import org.umsec.core.InvalidConfigurationException;
import org.umsec.core.IpGateway;
import org.umsec.core.Severity;
import org.umsec.core.StartupPlan;
import org.umsec.core.TrustList;
import org.umsec.core.UmConfiguration;
import org.umsec.core.UmMailboxPolicy;
import org.umsec.core.UmServer;
import org.umsec.core.VoipSecurityMode;
import org.umsec.directory.DirectorySettings;

/**
 * Everything the reference server needs to run: um-security-core's {@link UmConfiguration} (the
 * server's association with dial plans (R3), the dial plans and their VoIP security modes (R1), the
 * IP gateways that form the trusted list (R4, R5)) and beside it the server's own settings: listening
 * ports (R2), bind and media addresses, the media port range, where certificates and recordings
 * live, and timeouts.
 *
 * <p>There is one model of servers, dial plans and gateways, core's: every rule about them is
 * {@link UmConfiguration#validate()}'s, and the same on every path (a file given to
 * {@code umsec config check} or {@code umsec server}, a live reload, or this builder). Problems carry
 * file and line when the configuration came from a file; core's {@link ConfigProblem} subjects (kind,
 * name, position, key) are mapped to the line the object or key was read from.
 *
 * <p>Immutable; build one in code with {@link #builder()}, read one from YAML with
 * {@link #load(Path)}, or take the laptop-friendly {@link #embeddedDefault()}. Building checks the
 * whole configuration and throws a {@link ConfigurationException} listing every error (and the
 * warnings found with them); warnings of a usable configuration are in {@link #warnings()}.
 *
 * <p>Default rule (issue 12 item 8): {@code startSecured} defaults to 1 everywhere, in a file, in
 * this builder and in the embedded default; a server without an associated dial plan therefore starts
 * secured (mutual TLS, a certificate) unless {@code startSecured: 0} is written. A plain-TCP listener
 * on a wildcard address is reported as a warning.
 *
 * <pre>{@code
 * ServerConfiguration cfg = ServerConfiguration.builder()
 *     .serverName("um1").fqdn("um.example.test")
 *     .dialPlan(DialPlan.builder("dp-secure").mode(VoipSecurityMode.SECURED).build())
 *     .associateDialPlan("dp-secure")
 *     .gateway(IpGateway.builder("gw1").fqdn("gw1.example.test").address("192.0.2.10").port(5061)
 *         .dialPlan("dp-secure").build())
 *     .build();
 * }</pre>
 */
public final class ServerConfiguration {

    /** Default maximum length of one recording. */
    public static final Duration DEFAULT_MAX_RECORDING = Duration.ofSeconds(120);
    /** Default {@code voicemail.maxBytes}: 32 MiB per recording (about 35 minutes of 8 kHz 16-bit audio). */
    public static final long DEFAULT_VOICEMAIL_MAX_BYTES = 32L << 20;
    /** Default {@code voicemail.minFreeBytes}: new calls get 503 below 64 MiB free for recordings. */
    public static final long DEFAULT_VOICEMAIL_MIN_FREE_BYTES = 64L << 20;
    /** Default time without media after which a call is ended. */
    public static final Duration DEFAULT_MEDIA_TIMEOUT = Duration.ofSeconds(30);
    /** Default time to wait for the ACK of a 200 OK (64 × T1, RFC 3261 §13.3.1.4). */
    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(32);
    /** Lowest port of the default media (RTP/RTCP) port range. */
    public static final int DEFAULT_MEDIA_PORT_MIN = 20000;
    /** Highest port of the default media (RTP/RTCP) port range. */
    public static final int DEFAULT_MEDIA_PORT_MAX = 39999;
    /** Largest configuration file read, in bytes. */
    public static final int MAX_FILE_BYTES = 1 << 20;
    /** Default number of calls one gateway may have in progress at once. */
    public static final int DEFAULT_CALLS_PER_GATEWAY = 500;
    /**
     * Largest number of calls in progress at once, all gateways together (and the largest
     * {@code server.callsPerGateway}): 1,500 calls/s with a 1 s hold keep about 2,000 calls up.
     */
    public static final int MAX_CALLS = 10_000;
    /** Default {@code server.maxQueueDelayMillis}: how long a new INVITE may wait for the signalling thread. */
    public static final Duration DEFAULT_MAX_QUEUE_DELAY = Duration.ofMillis(1000);
    /** Largest {@code server.maxQueueDelayMillis}. */
    public static final Duration MAX_QUEUE_DELAY = Duration.ofSeconds(30);
    /**
     * Default {@code server.maxSetupsInProgress}: answered calls whose ACK has not arrived yet. At 1,500
     * calls/s a busy gateway's ACKs lagging by 0.7 s already hold 1,000 calls there while the server itself
     * keeps up (its queue a few ms), so the default leaves room for about 2.5 s of that.
     */
    public static final int DEFAULT_MAX_SETUPS_IN_PROGRESS = 4_000;
    /** Name used in problems for a configuration built in code. */
    public static final String CODE_SOURCE = "<configuration>";
    /** Resource holding the embedded default configuration. */
    public static final String DEFAULT_RESOURCE = "/org/umsec/server/default-config.yaml";

    private final String source;
    private final UmConfiguration core;
    private final StartupPlan startup;
    private final String bindAddress;
    private final String mediaBindAddress;
    private final String mediaAddress;
    private final int mediaPortMin;
    private final int mediaPortMax;
    private final int sipPort;
    private final int tlsPort;
    private final Path store;
    private final Path voicemail;
    private final Optional<Path> greeting;
    private final Duration maxRecording;
    private final Duration mediaTimeout;
    private final Duration ackTimeout;
    private final int callsPerGateway;
    private final Duration maxQueueDelay;
    private final int maxSetupsInProgress;
    private final Duration rtcpInterval;
    private final int selfSignedValidityDays;
    private final String admin;
    private final long voicemailMaxBytes;
    private final long voicemailMinFreeBytes;
    private final boolean voicemailSyncOnClose;
    private final Optional<String> certificatePin;
    private final boolean generateSelfSigned;
    private final boolean allowTierDowngrade;
    private final RevocationPolicy revocation;
    private final List<String> edgeProxies;
    private final Optional<DirectorySettings> directory;
    private final String modelSource;
    private final Optional<ConfigSnapshot> modelSnapshot;
    /** Lines the objects and keys were read from (keys as in {@link ConfigBinder}); empty when built in code. */
    final Map<String, Integer> lines;

    private final List<ConfigurationProblem> warnings;

    private ServerConfiguration(
            Builder b, UmConfiguration core, StartupPlan startup, List<ConfigurationProblem> warnings) {
        source = b.source;
        this.core = core;
        this.startup = startup;
        bindAddress = b.bindAddress;
        mediaBindAddress = b.mediaBindAddress != null ? b.mediaBindAddress : b.bindAddress;
        mediaAddress = b.mediaAddress;
        mediaPortMin = b.mediaPortMin;
        mediaPortMax = b.mediaPortMax;
        sipPort = b.sipPort;
        tlsPort = b.tlsPort;
        store = b.store;
        voicemail = b.voicemail;
        greeting = b.greeting;
        maxRecording = b.maxRecording;
        mediaTimeout = b.mediaTimeout;
        ackTimeout = b.ackTimeout;
        callsPerGateway = b.callsPerGateway;
        maxQueueDelay = b.maxQueueDelay;
        maxSetupsInProgress = b.maxSetupsInProgress;
        rtcpInterval = b.rtcpInterval;
        selfSignedValidityDays = b.selfSignedValidityDays;
        admin = b.admin;
        voicemailMaxBytes = b.voicemailMaxBytes;
        voicemailMinFreeBytes = b.voicemailMinFreeBytes;
        voicemailSyncOnClose = b.voicemailSyncOnClose;
        certificatePin = b.certificatePin.map(CertificateProvider::normalisePin);
        generateSelfSigned = b.generateSelfSigned;
        allowTierDowngrade = b.allowTierDowngrade;
        revocation = b.revocation;
        edgeProxies = b.edgeProxies.stream()
                .map(HostNames::normaliseHostName)
                .distinct()
                .toList();
        directory = b.directory;
        modelSource = b.snapshot != null ? b.snapshot.source() : b.source;
        modelSnapshot = Optional.ofNullable(b.snapshot);
        lines = Map.copyOf(b.lines);
        this.warnings = List.copyOf(warnings);
    }

    /** @return a builder with the defaults described on each setter */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads and checks a YAML configuration file. A file that cannot be read is a problem of the
     * configuration too, naming the file and the cause: no such file, permission denied, a directory,
     * not UTF-8 text (with the line), larger than {@value #MAX_FILE_BYTES} bytes.
     *
     * @param file the file
     * @return the configuration
     * @throws ConfigurationException with every problem found (file, line, what is wrong)
     * @throws IOException never in practice: read errors are reported as a {@link ConfigurationException}
     */
    public static ServerConfiguration load(Path file) throws ConfigurationException, IOException {
        return load(file, DirectoryAccess.ldap());
    }

    /**
     * Reads and checks a YAML configuration file; when it has a {@code directory:} section, the
     * server's association, the dial plans and the gateways are read through {@code directory}
     * (a directory that cannot be read is a problem at the {@code directory:} line).
     *
     * @param file the file
     * @param directory reads the directory the file names
     * @return the configuration
     * @throws ConfigurationException with every problem found
     * @throws IOException never in practice: read errors are reported as a {@link ConfigurationException}
     */
    public static ServerConfiguration load(Path file, DirectoryAccess directory)
            throws ConfigurationException, IOException {
        String text = ConfigFiles.readUtf8(file, MAX_FILE_BYTES);
        Path base = file.toAbsolutePath().getParent();
        return ConfigBinder.bind(YamlConfigReader.sourceName(file), new StringReader(text), base, directory);
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
        return ConfigBinder.bind(sourceName, reader, baseDirectory, DirectoryAccess.ldap());
    }

    /**
     * Reads and checks a YAML configuration from a reader, reading the directory it may name
     * ({@code directory:}) through {@code directory}.
     *
     * @param sourceName name used in problems
     * @param reader the YAML text
     * @param baseDirectory directory that relative paths in the file are resolved against
     * @param directory reads the directory the text names
     * @return the configuration
     * @throws ConfigurationException with every problem found
     */
    public static ServerConfiguration load(
            String sourceName, Reader reader, Path baseDirectory, DirectoryAccess directory)
            throws ConfigurationException {
        return ConfigBinder.bind(sourceName, reader, baseDirectory, directory);
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
        return embeddedDefault(Path.of("").toAbsolutePath());
    }

    /**
     * The embedded default with its store and recordings under {@code ./var} of a chosen directory.
     *
     * @param workDirectory the directory relative paths of the default are resolved against
     * @return the default configuration
     */
    public static ServerConfiguration embeddedDefault(Path workDirectory) {
        Objects.requireNonNull(workDirectory, "workDirectory");
        try (InputStream in = ServerConfiguration.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("embedded default configuration missing: " + DEFAULT_RESOURCE);
            }
            return ConfigBinder.bind(
                    "<embedded default>",
                    new InputStreamReader(in, StandardCharsets.UTF_8),
                    workDirectory.toAbsolutePath(),
                    DirectoryAccess.ldap());
        } catch (IOException | ConfigurationException e) {
            throw new IllegalStateException("embedded default configuration is broken", e);
        }
    }

    /** @return where this configuration came from (file name, or a marker for code/defaults) */
    public String source() {
        return source;
    }

    /** @return the configuration in um-security-core's model: server, dial plans, gateways, mailbox policies */
    public UmConfiguration umConfiguration() {
        return core;
    }

    /** @return the server's name ({@link UmServer#name()}) */
    public String serverName() {
        return core.server().name();
    }

    /** @return the server's FQDN, put in its self-signed certificate (R9) ({@link UmServer#fqdn()}) */
    public String fqdn() {
        return core.server().fqdn();
    }

    /** @return {@code StartSecured} (R3): 1 secured, 0 unsecured; used only with no associated dial plan */
    public int startSecured() {
        return core.server().startSecured();
    }

    /** @return names of the dial plans this server is associated with (R2, R3) */
    public List<String> associatedDialPlans() {
        return core.server().dialPlans();
    }

    /** @return the dial plans, in configuration order */
    public List<DialPlan> dialPlans() {
        return core.dialPlans();
    }

    /**
     * @param name a dial plan name (case-insensitive, as in core)
     * @return the dial plan, if configured
     */
    public Optional<DialPlan> dialPlan(String name) {
        return core.dialPlan(name);
    }

    /** @return the gateways, in configuration order */
    public List<IpGateway> gateways() {
        return core.gateways();
    }

    /**
     * @param gateway a gateway of this configuration
     * @return the VoIP security mode of the dial plan it serves
     * @throws IllegalArgumentException if its dial plan is not configured (a built configuration never
     *     has such a gateway)
     */
    public VoipSecurityMode modeOf(IpGateway gateway) {
        return core.dialPlanForGateway(gateway)
                .map(DialPlan::mode)
                .orElseThrow(() -> new IllegalArgumentException(
                        "gateway " + gateway.name() + " serves unknown dial plan " + gateway.dialPlan()));
    }

    /** @return address the SIP listeners bind to (an IP literal) */
    public String bindAddress() {
        return bindAddress;
    }

    /** @return address the media (RTP/RTCP) sockets bind to (an IP literal; {@code media.address}) */
    public String mediaBindAddress() {
        return mediaBindAddress;
    }

    /** @return address put in SDP for the server's media (an IP literal; {@code media.advertisedAddress}) */
    public String mediaAddress() {
        return mediaAddress;
    }

    /** @return lowest port of the media port range (even; RTP on even ports, RTCP on the next) */
    public int mediaPortMin() {
        return mediaPortMin;
    }

    /** @return highest port of the media port range */
    public int mediaPortMax() {
        return mediaPortMax;
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

    /**
     * @return most calls one gateway may have in progress at once ({@code server.callsPerGateway}); more
     *     are answered 503 with Retry-After, so that one trusted peer cannot take every call slot
     */
    public int callsPerGateway() {
        return callsPerGateway;
    }

    /**
     * @return how long a new INVITE may wait for the signalling thread after it was read
     *     ({@code server.maxQueueDelayMillis}); one that waited longer is refused with 503 and Retry-After
     *     before any transaction, dialog or media work, so that a server beyond its capacity keeps
     *     completing the calls it took instead of answering every call too late
     */
    public Duration maxQueueDelay() {
        return maxQueueDelay;
    }

    /**
     * @return most calls answered (200 OK sent) and still waiting for their ACK
     *     ({@code server.maxSetupsInProgress}); beyond it new INVITEs are refused like those that waited
     *     longer than {@link #maxQueueDelay()}
     */
    public int maxSetupsInProgress() {
        return maxSetupsInProgress;
    }

    /** @return how often RTCP reports are sent during a call (RFC 3550 §6.2: 5 s) */
    public Duration rtcpInterval() {
        return rtcpInterval;
    }

    /** @return largest recording file, in bytes ({@code voicemail.maxBytes}) */
    public long voicemailMaxBytes() {
        return voicemailMaxBytes;
    }

    /** @return free space the recordings' file system must keep; below it new calls get 503 ({@code voicemail.minFreeBytes}) */
    public long voicemailMinFreeBytes() {
        return voicemailMinFreeBytes;
    }

    /**
     * @return whether every recording is forced to the disk ({@code fsync}) when its call ends, before the
     *     call's summary is written ({@code voicemail.syncOnClose}, default true). Without it a finished
     *     recording is complete in the file system at once and survives the server process; an operating
     *     system crash or power loss can lose what the kernel had not yet written back (seconds)
     */
    public boolean voicemailSyncOnClose() {
        return voicemailSyncOnClose;
    }

    /** @return validity of a generated self-signed certificate, in days */
    public int selfSignedValidityDays() {
        return selfSignedValidityDays;
    }

    /**
     * {@code server.certificate}: the pinned server certificate, a SHA-1 thumbprint (normalised to
     * upper-case hex) or a store alias. When set, the server uses only that certificate and never
     * generates one; start-up fails if it is missing or invalid.
     *
     * @return the pin, empty when selection (R9) chooses
     */
    public Optional<String> certificatePin() {
        return certificatePin;
    }

    /**
     * {@code server.generateSelfSigned}: whether a self-signed certificate is generated when the store
     * has no valid one (R9). Absent from a configuration file it is false (a server configured by file
     * fails start-up instead of running with a certificate no gateway trusts); the embedded default
     * sets it true; {@link Builder} defaults to true.
     *
     * @return whether generation is allowed
     */
    public boolean generateSelfSigned() {
        return generateSelfSigned;
    }

    /**
     * {@code server.allowTierDowngrade}: whether the certificate in use may switch from CA-issued to
     * self-signed (default false: refused with an event, the CA-issued certificate kept).
     *
     * @return whether tier downgrades are allowed
     */
    public boolean allowTierDowngrade() {
        return allowTierDowngrade;
    }

    /**
     * {@code server.revocation}: {@code prefer} (default: use the CRLs the store holds) or
     * {@code require} (a peer whose issuer has no current CRL is refused with REVOCATION_UNKNOWN).
     *
     * @return the revocation policy for peers
     */
    public RevocationPolicy revocation() {
        return revocation;
    }

    /**
     * {@code directory:}: where the server's association, the dial plans and the gateways come from
     * when not from this file (issue 14). The server watches it and applies its changes like edits of
     * the file.
     *
     * @return the directory's settings, empty when the model is in the file
     */
    public Optional<DirectorySettings> directory() {
        return directory;
    }

    /**
     * @return where the model (association, dial plans, gateways) was read: the directory's
     *     {@code ldaps://host:port/baseDn}, or the file
     */
    public String modelSource() {
        return modelSource;
    }

    /**
     * @return the snapshot the model was taken from ({@link Builder#model(ConfigSnapshot)}), empty when
     *     it was read from the file or set in code
     */
    public Optional<ConfigSnapshot> modelSnapshot() {
        return modelSnapshot;
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

    /**
     * @return the TLS listener's trust list (R26): FQDNs of gateways on SIPSecured/Secured dial plans, and
     *     the certificate identities of the trusted edge proxies ({@link #edgeProxies()})
     */
    public TrustList tlsTrustList() {
        TrustList gateways =
                core.trustList(org.umsec.core.SignallingTransport.TLS, org.umsec.core.AddressResolver.system());
        if (edgeProxies.isEmpty()) {
            return gateways;
        }
        return TrustList.builder()
                .resolver(gateways.resolver())
                .addAll(gateways.entries())
                .addAll(edgeProxies)
                .build();
    }

    /**
     * The trusted edge proxies ({@code server.edgeProxies}): certificate identities (SAN DNS, then CN; RFC
     * 5922) of SIP proxies, such as Kamailio's {@code dispatcher} in front of a pool, that verify each
     * gateway's certificate themselves and assert the gateway in the {@code X-Umsec-Gateway} header. Only
     * a mutual-TLS peer whose certificate names one of them may make that assertion; it is ignored from
     * anyone else. An edge proxy is trusted by the TLS listener, but is not a gateway: its own requests
     * (OPTIONS probes) are answered, a call it does not attribute to a gateway is refused.
     *
     * @return the proxies' names, normalised (lower case, no trailing dot), in configuration order
     */
    public List<String> edgeProxies() {
        return edgeProxies;
    }

    /** @return the TCP listener's trust list (R26): FQDNs and addresses of gateways on Unsecured dial plans */
    public TrustList tcpTrustList() {
        return core.trustList(org.umsec.core.SignallingTransport.TCP, org.umsec.core.AddressResolver.system());
    }

    /** @return findings that do not stop the configuration (core's warnings and the server's own) */
    public List<ConfigurationProblem> warnings() {
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
        if (!port.chars().allMatch(Character::isDigit) || port.length() > 5 || !HostNames.isIpLiteral(host)) {
            return Optional.empty();
        }
        int n = Integer.parseInt(port);
        if (n > 65535) {
            return Optional.empty();
        }
        try {
            return Optional.of(new InetSocketAddress(java.net.InetAddress.getByName(host), n));
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** @return a builder holding this configuration's values, to derive a changed copy */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.source = source;
        b.umConfiguration(core);
        b.bindAddress = bindAddress;
        b.mediaBindAddress = mediaBindAddress;
        b.mediaAddress = mediaAddress;
        b.mediaPortMin = mediaPortMin;
        b.mediaPortMax = mediaPortMax;
        b.sipPort = sipPort;
        b.tlsPort = tlsPort;
        b.store = store;
        b.voicemail = voicemail;
        b.greeting = greeting;
        b.maxRecording = maxRecording;
        b.mediaTimeout = mediaTimeout;
        b.ackTimeout = ackTimeout;
        b.callsPerGateway = callsPerGateway;
        b.maxQueueDelay = maxQueueDelay;
        b.maxSetupsInProgress = maxSetupsInProgress;
        b.rtcpInterval = rtcpInterval;
        b.selfSignedValidityDays = selfSignedValidityDays;
        b.admin = admin;
        b.voicemailMaxBytes = voicemailMaxBytes;
        b.voicemailMinFreeBytes = voicemailMinFreeBytes;
        b.voicemailSyncOnClose = voicemailSyncOnClose;
        b.certificatePin = certificatePin;
        b.generateSelfSigned = generateSelfSigned;
        b.allowTierDowngrade = allowTierDowngrade;
        b.revocation = revocation;
        b.edgeProxies.addAll(edgeProxies);
        b.directory = directory;
        return b;
    }

    @Override
    public String toString() {
        return "ServerConfiguration[" + source + ": server " + serverName() + " (" + fqdn() + "), dial plans "
                + dialPlans() + ", associated " + associatedDialPlans() + ", gateways "
                + gateways().stream().map(IpGateway::name).toList() + "]";
    }

    /**
     * Collects values; {@link #build()} checks them all together, with um-security-core's
     * {@link UmConfiguration#validate()} for the server, dial plans and gateways. Not thread-safe.
     */
    public static final class Builder {
        private String source = CODE_SOURCE;
        private String serverName = "um1";
        private String fqdn = "localhost";
        private int startSecured = 1;
        private boolean startSecuredSet;
        private final List<String> associatedDialPlans = new ArrayList<>();
        private final List<DialPlan> dialPlans = new ArrayList<>();
        private final List<IpGateway> gateways = new ArrayList<>();
        private final List<UmMailboxPolicy> mailboxPolicies = new ArrayList<>();
        private String bindAddress = "0.0.0.0";
        private String mediaBindAddress;
        private String mediaAddress = "127.0.0.1";
        private int mediaPortMin = DEFAULT_MEDIA_PORT_MIN;
        private int mediaPortMax = DEFAULT_MEDIA_PORT_MAX;
        private int sipPort = VoipSecurityMode.UNSECURED_PORT;
        private int tlsPort = VoipSecurityMode.SECURED_PORT;
        private Path store = Path.of("var", "certs");
        private Path voicemail = Path.of("var", "voicemail");
        private Optional<Path> greeting = Optional.empty();
        private Duration maxRecording = DEFAULT_MAX_RECORDING;
        private Duration mediaTimeout = DEFAULT_MEDIA_TIMEOUT;
        private Duration ackTimeout = DEFAULT_ACK_TIMEOUT;
        private int callsPerGateway = DEFAULT_CALLS_PER_GATEWAY;
        private Duration maxQueueDelay = DEFAULT_MAX_QUEUE_DELAY;
        private int maxSetupsInProgress = DEFAULT_MAX_SETUPS_IN_PROGRESS;
        private Duration rtcpInterval = Duration.ofSeconds(5);
        private int selfSignedValidityDays = 365;
        private String admin = ADMIN_OFF;
        private long voicemailMaxBytes = DEFAULT_VOICEMAIL_MAX_BYTES;
        private long voicemailMinFreeBytes = DEFAULT_VOICEMAIL_MIN_FREE_BYTES;
        private boolean voicemailSyncOnClose = true;
        private Optional<String> certificatePin = Optional.empty();
        private boolean generateSelfSigned = true;
        private boolean allowTierDowngrade;
        private RevocationPolicy revocation = RevocationPolicy.PREFER;
        private final List<String> edgeProxies = new ArrayList<>();
        private Optional<DirectorySettings> directory = Optional.empty();
        private ConfigSnapshot snapshot;
        /** Where things were read from: see {@link ConfigBinder} for the keys. */
        final Map<String, Integer> lines = new HashMap<>();
        /** Problems found while binding (values core's builders refused), reported with the others. */
        final List<ConfigurationProblem> bindProblems = new ArrayList<>();
        /** Gateways (by position) read without a port: their R4 port problem says what to write. */
        final List<Integer> gatewaysWithoutPort = new ArrayList<>();

        private Builder() {}

        /**
         * @param s name used in problems (a file name); default {@value ServerConfiguration#CODE_SOURCE}
         * @return this
         */
        public Builder source(String s) {
            source = Objects.requireNonNull(s, "source");
            return this;
        }

        /**
         * Takes server, dial plans, gateways and mailbox policies from a core configuration, replacing
         * those set so far.
         *
         * @param c the core configuration
         * @return this
         */
        public Builder umConfiguration(UmConfiguration c) {
            Objects.requireNonNull(c, "configuration");
            snapshot = null;
            serverName = c.server().name();
            fqdn = c.server().fqdn();
            startSecured = c.server().startSecured();
            startSecuredSet = true;
            associatedDialPlans.clear();
            associatedDialPlans.addAll(c.server().dialPlans());
            dialPlans.clear();
            dialPlans.addAll(c.dialPlans());
            gateways.clear();
            gateways.addAll(c.gateways());
            mailboxPolicies.clear();
            mailboxPolicies.addAll(c.mailboxPolicies());
            return this;
        }

        /**
         * The server's association, the dial plans and the gateways come from a directory (issue 14):
         * record where, so that the running server watches it.
         *
         * @param settings the directory ({@code directory:} of the file)
         * @return this
         */
        public Builder directory(DirectorySettings settings) {
            directory = Optional.of(Objects.requireNonNull(settings, "settings"));
            return this;
        }

        /**
         * Takes the server's FQDN, {@code StartSecured} and association, the dial plans, the gateways and
         * the mailbox policies from a {@link org.umsec.core.ConfigSource}'s snapshot, replacing those set
         * so far (the server's name stays: it selected the snapshot's server). {@link #build()} reports
         * the snapshot's findings and every problem about its objects at their origin (a directory
         * entry's DN), so call no other model setter after this one.
         *
         * @param s the snapshot
         * @return this
         */
        public Builder model(ConfigSnapshot s) {
            snapshot = Objects.requireNonNull(s, "snapshot");
            s.server().ifPresent(server -> {
                fqdn = server.fqdn();
                startSecured = server.startSecured();
                startSecuredSet = true;
                associatedDialPlans.clear();
                associatedDialPlans.addAll(server.dialPlans());
            });
            dialPlans.clear();
            dialPlans.addAll(s.dialPlans());
            gateways.clear();
            gateways.addAll(s.gateways());
            mailboxPolicies.clear();
            mailboxPolicies.addAll(s.mailboxPolicies());
            return this;
        }

        /** @param n server name ({@link UmServer}); default {@code um1} @return this */
        public Builder serverName(String n) {
            serverName = Objects.requireNonNull(n, "serverName");
            return this;
        }

        /** @param f server FQDN, a host name ({@link HostNames}); default {@code localhost} @return this */
        public Builder fqdn(String f) {
            fqdn = Objects.requireNonNull(f, "fqdn");
            return this;
        }

        /** @param s {@code StartSecured} 0 or 1 (R3); default 1 @return this */
        public Builder startSecured(int s) {
            startSecured = s;
            startSecuredSet = true;
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

        /** @param d a dial plan (core's model) @return this */
        public Builder dialPlan(DialPlan d) {
            dialPlans.add(Objects.requireNonNull(d, "dialPlan"));
            return this;
        }

        /**
         * @param name dial plan name
         * @param mode its mode (R1: a new dial plan is Unsecured unless told otherwise)
         * @return this
         * @throws IllegalArgumentException if the name is not a valid dial plan name (core's rule)
         */
        public Builder dialPlan(String name, VoipSecurityMode mode) {
            return dialPlan(DialPlan.builder(name).mode(mode).build());
        }

        /** @return this, with no dial plans */
        public Builder clearDialPlans() {
            dialPlans.clear();
            return this;
        }

        /** @param g a gateway (core's model) @return this */
        public Builder gateway(IpGateway g) {
            gateways.add(Objects.requireNonNull(g, "gateway"));
            return this;
        }

        /** @return this, with no gateways */
        public Builder clearGateways() {
            gateways.clear();
            return this;
        }

        /** @param p a UM mailbox policy (core's model) @return this */
        public Builder mailboxPolicy(UmMailboxPolicy p) {
            mailboxPolicies.add(Objects.requireNonNull(p, "mailboxPolicy"));
            return this;
        }

        /** @param a listen address for SIP, an IP literal; default {@code 0.0.0.0} @return this */
        public Builder bindAddress(String a) {
            bindAddress = Objects.requireNonNull(a, "bindAddress");
            return this;
        }

        /** @param a address media sockets bind to, an IP literal; default the SIP bind address @return this */
        public Builder mediaBindAddress(String a) {
            mediaBindAddress = Objects.requireNonNull(a, "mediaBindAddress");
            return this;
        }

        /** @param a address advertised in SDP, an IP literal; default {@code 127.0.0.1} @return this */
        public Builder mediaAddress(String a) {
            mediaAddress = Objects.requireNonNull(a, "mediaAddress");
            return this;
        }

        /**
         * @param min lowest media port, even, 1024 or more; default {@value ServerConfiguration#DEFAULT_MEDIA_PORT_MIN}
         * @param max highest media port, at least {@code min + 1}; default {@value ServerConfiguration#DEFAULT_MEDIA_PORT_MAX}
         * @return this
         */
        public Builder mediaPortRange(int min, int max) {
            mediaPortMin = min;
            mediaPortMax = max;
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

        /**
         * @param n most calls in progress per gateway, 1..{@value #MAX_CALLS} (default
         *     {@value #DEFAULT_CALLS_PER_GATEWAY})
         * @return this
         */
        public Builder callsPerGateway(int n) {
            callsPerGateway = n;
            return this;
        }

        /**
         * @param d how long a new INVITE may wait for the signalling thread, 1 ms..{@code MAX_QUEUE_DELAY}
         *     (default 1 s; {@code server.maxQueueDelayMillis})
         * @return this
         */
        public Builder maxQueueDelay(Duration d) {
            maxQueueDelay = Objects.requireNonNull(d, "maxQueueDelay");
            return this;
        }

        /**
         * @param n most answered calls waiting for their ACK, 1..{@value #MAX_CALLS} (default
         *     {@value #DEFAULT_MAX_SETUPS_IN_PROGRESS}; {@code server.maxSetupsInProgress})
         * @return this
         */
        public Builder maxSetupsInProgress(int n) {
            maxSetupsInProgress = n;
            return this;
        }

        /** @param d interval between RTCP reports, positive (default 5 s) @return this */
        public Builder rtcpInterval(Duration d) {
            rtcpInterval = Objects.requireNonNull(d, "rtcpInterval");
            return this;
        }

        /** @param days validity of a generated self-signed certificate, 1..3650 @return this */
        public Builder selfSignedValidityDays(int days) {
            selfSignedValidityDays = days;
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
         * @param bytes largest recording file ({@code voicemail.maxBytes}), at least 1024; default
         *     {@value ServerConfiguration#DEFAULT_VOICEMAIL_MAX_BYTES} (32 MiB, about 35 minutes)
         * @return this
         */
        public Builder voicemailMaxBytes(long bytes) {
            voicemailMaxBytes = bytes;
            return this;
        }

        /**
         * @param bytes free space to keep on the recordings' file system ({@code voicemail.minFreeBytes}),
         *     0 or more; default {@value ServerConfiguration#DEFAULT_VOICEMAIL_MIN_FREE_BYTES} (64 MiB)
         * @return this
         */
        public Builder voicemailMinFreeBytes(long bytes) {
            voicemailMinFreeBytes = bytes;
            return this;
        }

        /**
         * @param sync whether every recording is forced to the disk when its call ends
         *     ({@code voicemail.syncOnClose}, default true; see {@link ServerConfiguration#voicemailSyncOnClose()})
         * @return this
         */
        public Builder voicemailSyncOnClose(boolean sync) {
            voicemailSyncOnClose = sync;
            return this;
        }

        /**
         * @param thumbprintOrAlias {@code server.certificate}: SHA-1 thumbprint or store alias, null for none
         * @return this
         */
        public Builder certificatePin(String thumbprintOrAlias) {
            certificatePin = Optional.ofNullable(thumbprintOrAlias);
            return this;
        }

        /**
         * @param on {@code server.generateSelfSigned} (default true here; false when absent from a file)
         * @return this
         */
        public Builder generateSelfSigned(boolean on) {
            generateSelfSigned = on;
            return this;
        }

        /**
         * @param allow {@code server.allowTierDowngrade} (default false)
         * @return this
         */
        public Builder allowTierDowngrade(boolean allow) {
            allowTierDowngrade = allow;
            return this;
        }

        /**
         * @param policy {@code server.revocation} (default {@link RevocationPolicy#PREFER})
         * @return this
         */
        public Builder revocation(RevocationPolicy policy) {
            revocation = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Adds a trusted edge proxy ({@code server.edgeProxies}; see {@link ServerConfiguration#edgeProxies()}).
         * {@link #build()} refuses a name that is not a host name, one that is also a gateway's FQDN, and
         * edge proxies without a mutual-TLS listener.
         *
         * @param certificateName the proxy's certificate identity (a host name)
         * @return this
         */
        public Builder edgeProxy(String certificateName) {
            edgeProxies.add(
                    Objects.requireNonNull(certificateName, "certificateName").trim());
            return this;
        }

        /**
         * Checks everything and builds.
         *
         * @return the configuration
         * @throws ConfigurationException listing every error found (and the warnings found with them),
         *     in line order
         */
        public ServerConfiguration build() throws ConfigurationException {
            List<ConfigurationProblem> p = new ArrayList<>(bindProblems);
            if (snapshot != null) {
                snapshot.findings()
                        .forEach(f -> p.add(new ConfigurationProblem(f.origin(), 0, f.severity(), f.message())));
            }
            serverChecks(p);
            UmConfiguration core = null;
            // core's own checks of the server's name, FQDN and associated dial plan names, each at its line
            boolean nameOk = coreCheck(p, "server.name", () -> UmServer.builder(serverName, "localhost"));
            boolean serverOk =
                    coreCheck(p, "server.fqdn", () -> UmServer.builder(nameOk ? serverName : "um1", fqdn)) && nameOk;
            UmServer.Builder server =
                    serverOk ? UmServer.builder(serverName, fqdn).startSecured(startSecured) : null;
            for (String n : associatedDialPlans) {
                serverOk &= coreCheck(p, "server.dialPlans", () -> DialPlan.builder(n));
                if (serverOk) {
                    server.dialPlan(n);
                }
            }
            if (serverOk) {
                UmConfiguration.Builder b = UmConfiguration.builder(server.build())
                        .dialPlans(dialPlans)
                        .gateways(gateways);
                mailboxPolicies.forEach(b::mailboxPolicy);
                core = b.build();
            }
            if (core != null) {
                for (ConfigProblem cp : core.validate()) {
                    Optional<String> origin = snapshot == null ? Optional.empty() : snapshot.origin(cp.subject());
                    p.add(
                            origin.isPresent()
                                    ? new ConfigurationProblem(origin.get(), 0, cp.severity(), message(cp))
                                    : problem(cp.severity(), lineOf(cp.subject()), message(cp)));
                }
            }
            p.sort(Comparator.comparingInt(ConfigurationProblem::line));
            if (p.stream().anyMatch(ConfigurationProblem::isError)) {
                throw new ConfigurationException(p);
            }
            StartupPlan startup;
            try {
                startup = StartupPlan.resolve(core);
            } catch (InvalidConfigurationException e) {
                // validate() reports everything resolve() refuses; kept so that no path is unchecked
                throw new ConfigurationException(e.problems().stream()
                        .map(cp -> problem(Severity.ERROR, lineOf(cp.subject()), cp.message()))
                        .toList());
            }
            if (!edgeProxies.isEmpty() && !startup.tlsListener()) {
                throw new ConfigurationException(List.of(problem(
                        Severity.ERROR,
                        at("server.edgeProxies"),
                        "server.edgeProxies needs the mutual-TLS listener (an associated SIPSecured or Secured"
                                + " dial plan): an edge proxy's assertion is accepted over mutual TLS only")));
            }
            if (startup.basis() == StartupPlan.Basis.START_SECURED && !startSecuredSet) {
                // the default rule (secured unless told otherwise) decided: say so, nothing silent
                p.add(problem(
                        Severity.WARNING,
                        at("server"),
                        "no dial plan is associated and startSecured is not"
                                + " set, so the server starts secured (" + startup.describe(sipPort, tlsPort) + "); set"
                                + " startSecured to 1 or 0, or associate dial plans (server.dialPlans)"));
            }
            if (startup.tcpListener()
                    && HostNames.canonicalIp(bindAddress)
                            .map(ServerConfiguration::isWildcard)
                            .orElse(false)) {
                p.add(problem(
                        Severity.WARNING,
                        lines.containsKey("server.bind") ? at("server.bind") : at("server"),
                        "plain SIP over TCP (" + startup.describe(sipPort, tlsPort) + ") listens on every address ("
                                + bindAddress + "); unsecured calls are taken from"
                                + " trusted gateway addresses only, but set server.bind to an address of this host to"
                                + " limit it"));
            }
            return new ServerConfiguration(this, core, startup, p);
        }

        /** Core's message, or for a gateway read without a port the R4 rule in the words of the file. */
        private String message(ConfigProblem cp) {
            ConfigProblem.Subject s = cp.subject();
            if (s.kind() == ConfigProblem.Kind.GATEWAY
                    && s.key().equals(Optional.of("port"))
                    && gatewaysWithoutPort.contains(s.index())
                    && cp.isError()) {
                IpGateway g = gateways.get(s.index());
                String mode = dialPlans.stream()
                        .filter(d -> d.name().equalsIgnoreCase(g.dialPlan()))
                        .findFirst()
                        .map(d -> d.mode().displayName())
                        .orElse("secured");
                return "IP gateway '" + g.name() + "' serves " + mode + " dial plan '" + g.dialPlan()
                        + "' and has no port: a gateway on a SIPSecured or Secured dial plan needs 'port: 5061' (R4)";
            }
            return cp.message();
        }

        private boolean coreCheck(List<ConfigurationProblem> p, String key, Runnable check) {
            try {
                check.run();
                return true;
            } catch (IllegalArgumentException e) {
                p.add(problem(Severity.ERROR, at(key), e.getMessage()));
                return false;
            }
        }

        private void serverChecks(List<ConfigurationProblem> p) {
            for (String[] a : new String[][] {
                {"server.bind", bindAddress},
                {"media.address", mediaBindAddress},
                {"media.advertisedAddress", mediaAddress}
            }) {
                if (a[1] != null && !HostNames.isIpLiteral(a[1])) {
                    p.add(problem(
                            Severity.ERROR,
                            at(a[0]),
                            a[0] + " must be an IP address, was '" + a[1] + "'"
                                    + (HostNames.isHostName(a[1]) ? " (a host name is not accepted here)" : "")));
                }
            }
            portCheck(p, "server.sipPort", sipPort);
            portCheck(p, "server.tlsPort", tlsPort);
            if (sipPort != 0 && sipPort == tlsPort) {
                p.add(problem(
                        Severity.ERROR,
                        at("server.tlsPort"),
                        "server.sipPort and server.tlsPort are both " + sipPort
                                + "; TCP and TLS need separate ports (R2)"));
            }
            if (mediaPortMin < 1024 || mediaPortMax > 65535 || mediaPortMin % 2 != 0 || mediaPortMax <= mediaPortMin) {
                p.add(problem(
                        Severity.ERROR,
                        at("media.portRange"),
                        "media.portRange must be LOW-HIGH with an even"
                                + " LOW of 1024 or more, HIGH above LOW and at most 65535 (RTP on even ports, RTCP on the"
                                + " next), was " + mediaPortMin + "-" + mediaPortMax));
            }
            positive(p, "server.maxRecordingSeconds", maxRecording);
            positive(p, "server.mediaTimeoutSeconds", mediaTimeout);
            positive(p, "server.ackTimeoutSeconds", ackTimeout);
            positive(p, "server.rtcpIntervalSeconds", rtcpInterval);
            for (String e : edgeProxies) {
                if (!HostNames.isHostName(e)) {
                    p.add(problem(
                            Severity.ERROR,
                            at("server.edgeProxies"),
                            "server.edgeProxies: '" + e + "' is not a host name (an edge proxy is named by the"
                                    + " DNS name its certificate presents)"));
                } else if (gateways.stream()
                        .anyMatch(g -> g.fqdn()
                                .filter(f -> HostNames.normaliseHostName(f).equals(HostNames.normaliseHostName(e)))
                                .isPresent())) {
                    p.add(problem(
                            Severity.ERROR,
                            at("server.edgeProxies"),
                            "server.edgeProxies: '" + e + "' is also a gateway's FQDN; a peer is either a gateway"
                                    + " or an edge proxy that asserts gateways, not both"));
                }
            }
            if (callsPerGateway < 1 || callsPerGateway > MAX_CALLS) {
                p.add(problem(
                        Severity.ERROR,
                        at("server.callsPerGateway"),
                        "server.callsPerGateway must be 1.." + MAX_CALLS + ", was " + callsPerGateway));
            }
            if (maxQueueDelay.toMillis() < 1 || maxQueueDelay.compareTo(MAX_QUEUE_DELAY) > 0) {
                p.add(problem(
                        Severity.ERROR,
                        at("server.maxQueueDelayMillis"),
                        "server.maxQueueDelayMillis must be 1.." + MAX_QUEUE_DELAY.toMillis() + ", was "
                                + maxQueueDelay.toMillis()));
            }
            if (maxSetupsInProgress < 1 || maxSetupsInProgress > MAX_CALLS) {
                p.add(problem(
                        Severity.ERROR,
                        at("server.maxSetupsInProgress"),
                        "server.maxSetupsInProgress must be 1.." + MAX_CALLS + ", was " + maxSetupsInProgress));
            }
            if (voicemailMaxBytes < 1024) {
                p.add(problem(
                        Severity.ERROR,
                        at("voicemail.maxBytes"),
                        "voicemail.maxBytes must be at least 1024, was " + voicemailMaxBytes));
            }
            if (voicemailMinFreeBytes < 0) {
                p.add(problem(
                        Severity.ERROR,
                        at("voicemail.minFreeBytes"),
                        "voicemail.minFreeBytes must be 0 or more, was " + voicemailMinFreeBytes));
            }
            if (parseAdmin(admin).isEmpty() && !admin.equals(ADMIN_OFF)) {
                p.add(problem(
                        Severity.ERROR,
                        at("server.admin"),
                        "server.admin must be IP:PORT (for example" + " 127.0.0.1:9090, [::1]:9090) or " + ADMIN_OFF
                                + ", was '" + admin + "'"));
            }
            if (selfSignedValidityDays < 1 || selfSignedValidityDays > 3650) {
                p.add(problem(
                        Severity.ERROR,
                        at("server.selfSignedValidityDays"),
                        "server.selfSignedValidityDays must be 1..3650, was " + selfSignedValidityDays));
            }
            certificatePin.ifPresent(pin -> {
                try {
                    CertificateProvider.normalisePin(pin);
                } catch (IllegalArgumentException e) {
                    p.add(problem(Severity.ERROR, at("server.certificate"), "server.certificate: " + e.getMessage()));
                }
            });
            if (certificatePin.isPresent() && generateSelfSigned && at("server.generateSelfSigned") > 0) {
                p.add(problem(
                        Severity.ERROR,
                        at("server.generateSelfSigned"),
                        "server.generateSelfSigned: true"
                                + " contradicts server.certificate: a pinned certificate is never generated"));
            }
        }

        private int at(String key) {
            return lines.getOrDefault(key, 0);
        }

        /** The line of the key concerned, or of the object, or of its section. */
        private int lineOf(ConfigProblem.Subject s) {
            String prefix = switch (s.kind()) {
                case SERVER -> "server";
                case DIAL_PLAN -> "dialPlan#" + s.index();
                case GATEWAY -> "gateway#" + s.index();
                case MAILBOX_POLICY -> "mailboxPolicy#" + s.index();
                default -> null;
            };
            if (prefix == null) {
                return 0;
            }
            if (s.key().isPresent() && lines.containsKey(prefix + "." + s.key().get())) {
                return at(prefix + "." + s.key().get());
            }
            return at(prefix);
        }

        private ConfigurationProblem problem(Severity severity, int line, String message) {
            return new ConfigurationProblem(source, line, severity, message);
        }

        private void portCheck(List<ConfigurationProblem> p, String key, int port) {
            if (port < 0 || port > 65535) {
                p.add(problem(Severity.ERROR, at(key), key + " must be 0..65535, was " + port));
            }
        }

        private void positive(List<ConfigurationProblem> p, String key, Duration d) {
            if (d.isNegative() || d.isZero()) {
                p.add(problem(Severity.ERROR, at(key), key + " must be positive"));
            }
        }
    }

    static boolean isWildcard(String canonicalIp) {
        return canonicalIp.equals("0.0.0.0") || canonicalIp.equals("::");
    }
}
