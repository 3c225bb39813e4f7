package org.umsec.server.admin;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4 and of OpenMetrics 1.0 text, for
 * tests: every line must be a HELP, a TYPE or a sample; a family's TYPE comes before its samples and
 * only once; sample names belong to the declared family (with {@code _total} for OpenMetrics
 * counters); label names, escapes and values follow the grammar; a series appears once; OpenMetrics
 * ends with {@code # EOF}. Anything else throws with the line.
 */
public final class PrometheusText {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE =
            Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped|unknown)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL =
            Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");

    /** Series name with sorted labels, e.g. {@code umsec_calls_ended_total{reason="max_length"}}, to value. */
    private final Map<String, Double> series = new LinkedHashMap<>();

    private final Map<String, String> types = new HashMap<>();

    private PrometheusText() {}

    /**
     * @param text the exposition
     * @param openMetrics read as OpenMetrics 1.0 text
     * @return the parsed series
     * @throws IllegalArgumentException naming the first line that breaks the format
     */
    public static PrometheusText parse(String text, boolean openMetrics) {
        PrometheusText p = new PrometheusText();
        String[] lines = text.split("\n", -1);
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("exposition does not end with a line feed");
        }
        String family = null;
        Set<String> typed = new HashSet<>();
        Set<String> helped = new HashSet<>();
        boolean eof = false;
        for (int i = 0; i < lines.length - 1; i++) {
            String l = lines[i];
            int n = i + 1;
            if (eof) {
                throw new IllegalArgumentException("line " + n + ": after # EOF");
            }
            if (openMetrics && l.equals("# EOF")) {
                eof = true;
                continue;
            }
            Matcher m;
            if ((m = HELP.matcher(l)).matches()) {
                if (!helped.add(m.group(1))) {
                    throw new IllegalArgumentException("line " + n + ": second HELP for " + m.group(1));
                }
                continue;
            }
            if ((m = TYPE.matcher(l)).matches()) {
                if (!typed.add(m.group(1))) {
                    throw new IllegalArgumentException("line " + n + ": second TYPE for " + m.group(1));
                }
                family = m.group(1);
                p.types.put(family, m.group(2));
                if (!openMetrics && m.group(2).equals("unknown")) {
                    throw new IllegalArgumentException("line " + n + ": 'unknown' is OpenMetrics only");
                }
                continue;
            }
            if (l.startsWith("#")) {
                throw new IllegalArgumentException("line " + n + ": unexpected comment: " + l);
            }
            if (!(m = SAMPLE.matcher(l)).matches()) {
                throw new IllegalArgumentException("line " + n + ": not a sample: " + l);
            }
            String name = m.group(1);
            if (family == null) {
                throw new IllegalArgumentException("line " + n + ": sample before any TYPE: " + l);
            }
            String type = p.types.get(family);
            boolean belongs = openMetrics && type.equals("counter")
                    ? name.equals(family + "_total") || name.equals(family + "_created")
                    : name.equals(family);
            if (!belongs) {
                throw new IllegalArgumentException("line " + n + ": sample " + name + " outside its family " + family);
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null && !m.group(3).isEmpty()) {
                Matcher lm = LABEL.matcher(m.group(3));
                int at = 0;
                while (at < m.group(3).length()) {
                    if (!lm.find(at) || lm.start() != at) {
                        throw new IllegalArgumentException("line " + n + ": bad labels: " + m.group(3));
                    }
                    if (labels.put(lm.group(1), lm.group(2)) != null) {
                        throw new IllegalArgumentException("line " + n + ": label twice: " + lm.group(1));
                    }
                    at = lm.end();
                }
            }
            double v;
            try {
                v = switch (m.group(4)) {
                    case "+Inf" -> Double.POSITIVE_INFINITY;
                    case "-Inf" -> Double.NEGATIVE_INFINITY;
                    case "NaN" -> Double.NaN;
                    default -> Double.parseDouble(m.group(4));
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line " + n + ": bad value " + m.group(4));
            }
            if (type.equals("counter") && (v < 0 || Double.isNaN(v))) {
                throw new IllegalArgumentException("line " + n + ": negative counter");
            }
            StringBuilder key = new StringBuilder(name);
            if (!labels.isEmpty()) {
                key.append('{');
                labels.forEach(
                        (k, val) -> key.append(k).append("=\"").append(val).append("\","));
                key.setCharAt(key.length() - 1, '}');
            }
            if (p.series.put(key.toString(), v) != null) {
                throw new IllegalArgumentException("line " + n + ": series twice: " + key);
            }
        }
        if (openMetrics && !eof) {
            throw new IllegalArgumentException("OpenMetrics text without # EOF");
        }
        return p;
    }

    /**
     * @param series {@code name} or {@code name{label="value"}} (labels sorted by name)
     * @return its value
     * @throws AssertionError if absent
     */
    public double value(String series) {
        Double v = this.series.get(series);
        if (v == null) {
            throw new AssertionError("no series " + series + " in " + this.series.keySet());
        }
        return v;
    }

    /** @return every series */
    public Map<String, Double> series() {
        return series;
    }

    /**
     * @param family a family name as declared by TYPE
     * @return its type, or null
     */
    public String type(String family) {
        return types.get(family);
    }
}
