package org.umsec.server.config;

import java.io.Reader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Reads the YAML configuration file into plain values, checking shape and types and collecting every
 * problem with its line. {@link ConfigBinder} maps the values onto {@link ServerConfiguration.Builder},
 * whose {@link ServerConfiguration.Builder#build()} does the semantic checks (references between sections,
 * modes and ports, through {@link org.umsec.core.UmConfiguration#validate()}). Aliases are limited and the document is composed only (never constructed
 * into arbitrary objects), so a hostile file cannot instantiate classes or expand exponentially.
 */
final class YamlConfigReader {

    /** Largest configuration file read, in characters. */
    static final int MAX_CHARS = ServerConfiguration.MAX_FILE_BYTES;

    static final Set<String> SERVER_KEYS = Set.of(
            "name",
            "fqdn",
            "sipPort",
            "tlsPort",
            "bind",
            "mediaAddress",
            "store",
            "voicemail",
            "startSecured",
            "dialPlans",
            "maxRecordingSeconds",
            "mediaTimeoutSeconds",
            "ackTimeoutSeconds",
            "rtcpIntervalSeconds",
            "greeting",
            "selfSignedValidityDays",
            "certificate",
            "generateSelfSigned",
            "allowTierDowngrade",
            "revocation",
            "callsPerGateway",
            "edgeProxies",
            "maxQueueDelayMillis",
            "maxSetupsInProgress",
            "admin");
    static final Set<String> DIAL_PLAN_KEYS = Set.of(
            "name",
            "voipSecurity",
            "internationalAccessCode",
            "inCountryGroups",
            "internationalGroups",
            "allowedInCountryGroups",
            "allowedInternationalGroups");
    /** Keys of one entry of {@code inCountryGroups} / {@code internationalGroups}: one rule of a named group. */
    static final Set<String> DIALING_RULE_KEYS = Set.of("name", "numberMask", "dialedNumber", "comment");

    static final Set<String> MAILBOX_POLICY_KEYS =
            Set.of("name", "dialPlan", "allowedInCountryGroups", "allowedInternationalGroups");
    static final Set<String> GATEWAY_KEYS = Set.of("name", "fqdn", "address", "port", "dialPlan");
    static final Set<String> MEDIA_KEYS = Set.of("portRange", "address", "advertisedAddress");
    static final Set<String> VOICEMAIL_KEYS = Set.of("maxBytes", "minFreeBytes", "syncOnClose");
    static final Set<String> TOP_KEYS =
            Set.of("server", "dialPlans", "gateways", "media", "voicemail", "mailboxPolicies", "directory");
    static final Set<String> DIRECTORY_KEYS = Set.of("url", "bindDn", "password", "baseDn", "tls", "pollSeconds");
    static final Set<String> DIRECTORY_TLS_KEYS = Set.of("mode", "ca");

    /** A value with the line it was read from. */
    public record At<T>(T value, int line) {}

    /** The {@code server:} section as written; absent keys are empty. */
    public record ServerSection(int line, Map<String, At<Object>> values) {
        /**
         * @param key a key of {@link #SERVER_KEYS}
         * @return the value, if the key was given and well-typed
         */
        public Optional<At<Object>> get(String key) {
            return Optional.ofNullable(values.get(key));
        }
    }

    /** One {@code dialPlans:} entry. */
    public record DialPlanEntry(int line, Map<String, At<Object>> values) {}

    /** One {@code gateways:} entry. */
    public record GatewayEntry(int line, Map<String, At<Object>> values) {}

    /** One {@code mailboxPolicies:} entry. */
    public record MailboxPolicyEntry(int line, Map<String, At<Object>> values) {}

    /**
     * The whole document.
     *
     * @param server the {@code server:} section
     * @param dialPlans the {@code dialPlans:} entries
     * @param gateways the {@code gateways:} entries
     * @param media the {@code media:} section, empty when absent
     * @param voicemail the {@code voicemail:} section ({@code maxBytes}, {@code minFreeBytes}, {@code syncOnClose}), empty when absent
     * @param directory the {@code directory:} section (keys {@link #DIRECTORY_KEYS}; a {@code tls:} mapping
     *     flattened to {@code tls.mode} and {@code tls.ca}), empty when absent
     * @param directoryLine the line of {@code directory:}, 0 when absent
     * @param modelLines the lines of keys that describe the model ({@code dialPlans:}, {@code gateways:})
     * @param mailboxPolicies the {@code mailboxPolicies:} entries
     */
    public record Document(
            ServerSection server,
            List<DialPlanEntry> dialPlans,
            List<GatewayEntry> gateways,
            Map<String, At<Object>> media,
            Map<String, At<Object>> voicemail,
            Map<String, At<Object>> directory,
            int directoryLine,
            Map<String, Integer> modelLines,
            List<MailboxPolicyEntry> mailboxPolicies) {}

    private final String source;
    private final List<ConfigurationProblem> problems = new ArrayList<>();

    private YamlConfigReader(String source) {
        this.source = source;
    }

    /**
     * Reads a document.
     *
     * @param source name used in problems (the file name)
     * @param reader the text
     * @param problems receives every problem found
     * @return the document; possibly partial when problems were found
     */
    public static Document read(String source, Reader reader, List<ConfigurationProblem> problems) {
        YamlConfigReader r = new YamlConfigReader(source);
        Document d = r.readDocument(reader);
        problems.addAll(r.problems);
        return d;
    }

    /**
     * @param file a path
     * @return the name used for it in problems
     */
    public static String sourceName(Path file) {
        return file.toString();
    }

    private Document readDocument(Reader reader) {
        Document empty = new Document(
                new ServerSection(0, Map.of()),
                List.of(),
                List.of(),
                Map.of(),
                Map.of(),
                Map.of(),
                0,
                Map.of(),
                List.of());
        LoadSettings settings = LoadSettings.builder()
                .setLabel(source)
                .setMaxAliasesForCollections(20)
                .setAllowRecursiveKeys(false)
                .setCodePointLimit(MAX_CHARS)
                .setUseMarks(true)
                .build();
        Optional<Node> root;
        try {
            // what api.lowlevel.Compose does, through packages the snakeyaml-engine module exports
            root = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, reader))).getSingleNode();
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark()
                    .or(e::getContextMark)
                    .map(m -> m.getLine() + 1)
                    .orElse(0);
            problems.add(new ConfigurationProblem(source, line, "not valid YAML: " + e.getProblem()));
            return empty;
        } catch (YamlEngineException e) {
            problems.add(new ConfigurationProblem(source, 0, "not valid YAML: " + e.getMessage()));
            return empty;
        }
        if (root.isEmpty()) {
            problems.add(
                    new ConfigurationProblem(source, 0, "the file is empty; it needs at least a 'server:' section"));
            return empty;
        }
        Map<String, NodeTuple> top = mapping(root.get(), "the document", TOP_KEYS);
        if (top == null) {
            return empty;
        }
        ServerSection server;
        NodeTuple serverNode = top.get("server");
        if (serverNode == null) {
            problems.add(new ConfigurationProblem(source, line(root.get()), "missing 'server:' section"));
            server = new ServerSection(0, Map.of());
        } else {
            server = new ServerSection(line(serverNode.getKeyNode()), readServer(serverNode.getValueNode()));
        }
        List<DialPlanEntry> dialPlans = new ArrayList<>();
        NodeTuple dp = top.get("dialPlans");
        if (dp != null) {
            for (Node n : sequence(dp.getValueNode(), "dialPlans")) {
                Map<String, At<Object>> v = readEntry(
                        n,
                        "dial plan",
                        DIAL_PLAN_KEYS,
                        Map.of(
                                "name",
                                Kind.STRING,
                                "voipSecurity",
                                Kind.STRING,
                                "internationalAccessCode",
                                Kind.STRING,
                                "inCountryGroups",
                                Kind.RULE_LIST,
                                "internationalGroups",
                                Kind.RULE_LIST,
                                "allowedInCountryGroups",
                                Kind.STRING_LIST,
                                "allowedInternationalGroups",
                                Kind.STRING_LIST));
                if (v != null) {
                    dialPlans.add(new DialPlanEntry(line(n), v));
                }
            }
        }
        List<GatewayEntry> gateways = new ArrayList<>();
        NodeTuple gw = top.get("gateways");
        if (gw != null) {
            for (Node n : sequence(gw.getValueNode(), "gateways")) {
                Map<String, At<Object>> v = readEntry(
                        n,
                        "gateway",
                        GATEWAY_KEYS,
                        Map.of(
                                "name",
                                Kind.STRING,
                                "fqdn",
                                Kind.STRING,
                                "address",
                                Kind.STRING,
                                "port",
                                Kind.PORT,
                                "dialPlan",
                                Kind.STRING));
                if (v != null) {
                    gateways.add(new GatewayEntry(line(n), v));
                }
            }
        }
        Map<String, At<Object>> media = Map.of();
        NodeTuple md = top.get("media");
        if (md != null) {
            Map<String, At<Object>> v = readEntry(md.getValueNode(), "media", MEDIA_KEYS, Map.of());
            media = v == null ? Map.of() : v;
        }
        Map<String, At<Object>> voicemail = Map.of();
        NodeTuple vm = top.get("voicemail");
        if (vm != null) {
            Map<String, At<Object>> v = readEntry(
                    vm.getValueNode(),
                    "voicemail",
                    VOICEMAIL_KEYS,
                    Map.of("maxBytes", Kind.LONG, "minFreeBytes", Kind.LONG, "syncOnClose", Kind.BOOLEAN));
            voicemail = v == null ? Map.of() : v;
        }
        Map<String, At<Object>> directory = Map.of();
        int directoryLine = 0;
        NodeTuple dir = top.get("directory");
        if (dir != null) {
            directoryLine = line(dir.getKeyNode());
            directory = readDirectory(dir.getValueNode());
        }
        Map<String, Integer> modelLines = new LinkedHashMap<>();
        for (String k : List.of("dialPlans", "gateways")) {
            if (top.containsKey(k)) {
                modelLines.put(k, line(top.get(k).getKeyNode()));
            }
        }
        List<MailboxPolicyEntry> policies = new ArrayList<>();
        NodeTuple mp = top.get("mailboxPolicies");
        if (mp != null) {
            for (Node n : sequence(mp.getValueNode(), "mailboxPolicies")) {
                Map<String, At<Object>> v = readEntry(
                        n,
                        "mailbox policy",
                        MAILBOX_POLICY_KEYS,
                        Map.of(
                                "name",
                                Kind.STRING,
                                "dialPlan",
                                Kind.STRING,
                                "allowedInCountryGroups",
                                Kind.STRING_LIST,
                                "allowedInternationalGroups",
                                Kind.STRING_LIST));
                if (v != null) {
                    policies.add(new MailboxPolicyEntry(line(n), v));
                }
            }
        }
        return new Document(
                server, dialPlans, gateways, media, voicemail, directory, directoryLine, modelLines, policies);
    }

    /** {@code directory:}; {@code tls} is a mode ({@code ldaps}, {@code starttls}, {@code none}) or {@code {mode, ca}}. */
    private Map<String, At<Object>> readDirectory(Node node) {
        Map<String, NodeTuple> m = mapping(node, "directory", DIRECTORY_KEYS);
        if (m == null) {
            return Map.of();
        }
        Map<String, At<Object>> out = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> e : m.entrySet()) {
            Node value = e.getValue().getValueNode();
            String key = e.getKey();
            if (key.equals("tls") && value instanceof MappingNode) {
                out.put("tls", new At<>("", line(value)));
                Map<String, At<Object>> tls = readEntry(value, "directory.tls", DIRECTORY_TLS_KEYS, Map.of());
                if (tls != null) {
                    tls.forEach((k, v) -> out.put("tls." + k, v));
                }
                continue;
            }
            Object v = convert(value, "directory." + key, key.equals("pollSeconds") ? Kind.INT : Kind.STRING);
            if (v != null) {
                out.put(key, new At<>(v, line(value)));
            }
        }
        return out;
    }

    private enum Kind {
        STRING,
        PORT,
        INT,
        LONG,
        STRING_LIST,
        /** A list of mappings with {@link #DIALING_RULE_KEYS}, each read into a map of its own. */
        RULE_LIST,
        BOOLEAN
    }

    private Map<String, At<Object>> readServer(Node node) {
        Map<String, Kind> kinds = new LinkedHashMap<>();
        for (String k : List.of(
                "name",
                "fqdn",
                "bind",
                "mediaAddress",
                "store",
                "voicemail",
                "greeting",
                "certificate",
                "revocation",
                "admin")) {
            kinds.put(k, Kind.STRING);
        }
        kinds.put("sipPort", Kind.PORT);
        kinds.put("tlsPort", Kind.PORT);
        for (String k : List.of(
                "startSecured",
                "maxRecordingSeconds",
                "mediaTimeoutSeconds",
                "ackTimeoutSeconds",
                "rtcpIntervalSeconds",
                "selfSignedValidityDays",
                "callsPerGateway",
                "maxQueueDelayMillis",
                "maxSetupsInProgress")) {
            kinds.put(k, Kind.INT);
        }
        kinds.put("dialPlans", Kind.STRING_LIST);
        kinds.put("edgeProxies", Kind.STRING_LIST);
        kinds.put("generateSelfSigned", Kind.BOOLEAN);
        kinds.put("allowTierDowngrade", Kind.BOOLEAN);
        Map<String, At<Object>> v = readEntry(node, "server", SERVER_KEYS, kinds);
        return v == null ? Map.of() : v;
    }

    private Map<String, At<Object>> readEntry(Node node, String what, Set<String> allowed, Map<String, Kind> kinds) {
        Map<String, NodeTuple> m = mapping(node, what, allowed);
        if (m == null) {
            return null;
        }
        Map<String, At<Object>> out = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> e : m.entrySet()) {
            Node value = e.getValue().getValueNode();
            Object v = convert(value, what + "." + e.getKey(), kinds.getOrDefault(e.getKey(), Kind.STRING));
            if (v != null) {
                out.put(e.getKey(), new At<>(v, line(value)));
            }
        }
        return out;
    }

    private Object convert(Node value, String key, Kind kind) {
        if (kind == Kind.RULE_LIST) {
            List<At<Map<String, At<Object>>>> rules = new ArrayList<>();
            for (Node n : sequence(value, key)) {
                Map<String, At<Object>> rule = readEntry(n, key + " entry", DIALING_RULE_KEYS, Map.of());
                if (rule != null) {
                    rules.add(new At<>(rule, line(n)));
                }
            }
            return rules;
        }
        if (kind == Kind.STRING_LIST) {
            List<String> items = new ArrayList<>();
            for (Node n : sequence(value, key)) {
                Object s = convert(n, key + " entry", Kind.STRING);
                if (s != null) {
                    items.add((String) s);
                }
            }
            return items;
        }
        if (!(value instanceof ScalarNode scalar)) {
            problems.add(new ConfigurationProblem(
                    source,
                    line(value),
                    key + " must be a single value, not a " + (value instanceof SequenceNode ? "list" : "mapping")));
            return null;
        }
        String text = scalar.getValue().trim();
        if (text.isEmpty() || text.equals("~") || text.equals("null")) {
            problems.add(new ConfigurationProblem(source, line(value), key + " is empty"));
            return null;
        }
        switch (kind) {
            case STRING:
                return text;
            case BOOLEAN:
                if (text.equals("true") || text.equals("false")) {
                    return Boolean.valueOf(text);
                }
                problems.add(new ConfigurationProblem(
                        source, line(value), key + " must be true or false, was '" + text + "'"));
                return null;
            case PORT:
            case INT:
            case LONG:
                long n;
                try {
                    n = Long.parseLong(text);
                } catch (NumberFormatException ex) {
                    problems.add(new ConfigurationProblem(
                            source, line(value), key + " must be a whole number, was '" + text + "'"));
                    return null;
                }
                if (kind == Kind.PORT && (n < 0 || n > 65535)) {
                    problems.add(
                            new ConfigurationProblem(source, line(value), key + " must be a port 0..65535, was " + n));
                    return null;
                }
                if (kind == Kind.LONG) {
                    if (n < 0) {
                        problems.add(
                                new ConfigurationProblem(source, line(value), key + " must be 0 or more, was " + n));
                        return null;
                    }
                    return n;
                }
                if (n < 0 || n > Integer.MAX_VALUE) {
                    problems.add(new ConfigurationProblem(source, line(value), key + " must be 0 or more, was " + n));
                    return null;
                }
                return (int) n;
            default:
                throw new IllegalStateException(kind.name());
        }
    }

    private Map<String, NodeTuple> mapping(Node node, String what, Set<String> allowed) {
        if (!(node instanceof MappingNode mapping)) {
            problems.add(new ConfigurationProblem(source, line(node), what + " must be a mapping of keys to values"));
            return null;
        }
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode key)) {
                problems.add(new ConfigurationProblem(
                        source, line(t.getKeyNode()), "keys in " + what + " must be plain names"));
                continue;
            }
            String k = key.getValue();
            if (!allowed.contains(k)) {
                problems.add(new ConfigurationProblem(
                        source,
                        line(key),
                        "unknown key '" + k + "' in " + what + " (allowed: "
                                + String.join(", ", allowed.stream().sorted().toList()) + ")"));
            } else if (out.containsKey(k)) {
                problems.add(new ConfigurationProblem(source, line(key), "key '" + k + "' given twice in " + what));
            } else {
                out.put(k, t);
            }
        }
        return out;
    }

    private List<Node> sequence(Node node, String what) {
        if (node instanceof SequenceNode seq) {
            return seq.getValue();
        }
        problems.add(new ConfigurationProblem(source, line(node), what + " must be a list"));
        return List.of();
    }

    private static int line(Node node) {
        return node.getStartMark().map(Mark::getLine).map(l -> l + 1).orElse(0);
    }
}
