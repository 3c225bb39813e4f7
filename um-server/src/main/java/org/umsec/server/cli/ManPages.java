package org.umsec.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes the {@code umsec} manual pages (troff, section 1, one per command: {@code umsec.1},
 * {@code umsec-server.1}, {@code umsec-certs-export.1}, ...) and the bash completion script from the
 * picocli model of {@link UmsecCommand}, so both always match the program. The build runs it in
 * {@code prepare-package} for the distribution archive:
 *
 * <pre>{@code java -cp umsec.jar org.umsec.server.cli.ManPages OUTDIR}</pre>
 *
 * writes {@code OUTDIR/man/man1/*.1} and {@code OUTDIR/bash-completion/umsec}.
 */
public final class ManPages {

    private ManPages() {}

    /**
     * @param args the output folder
     * @throws IOException if a file cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ManPages OUTDIR");
        }
        List<Path> written = write(Path.of(args[0]));
        System.out.println("umsec: wrote " + written.size() + " files under " + args[0]);
    }

    /**
     * @param outDir output folder (created if missing)
     * @return the files written
     * @throws IOException if a file cannot be written
     */
    static List<Path> write(Path outDir) throws IOException {
        CommandLine root =
                UmsecCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        Path man = outDir.resolve("man").resolve("man1");
        Files.createDirectories(man);
        List<Path> out = new ArrayList<>();
        page(root, man, out);
        Path completion = outDir.resolve("bash-completion");
        Files.createDirectories(completion);
        Path script = completion.resolve("umsec");
        Files.writeString(script, AutoComplete.bash("umsec", root), StandardCharsets.UTF_8);
        out.add(script);
        return out;
    }

    private static void page(CommandLine cl, Path dir, List<Path> out) throws IOException {
        CommandSpec spec = cl.getCommandSpec();
        if (spec.usageMessage().hidden() || spec.userObject() instanceof CommandLine.HelpCommand) {
            return;
        }
        String name = spec.qualifiedName("-");
        Path file = dir.resolve(name + ".1");
        Files.writeString(file, troff(cl), StandardCharsets.UTF_8);
        out.add(file);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().parent() == spec
                    && sub.getCommandName().equals(sub.getCommandSpec().name())) {
                page(sub, dir, out);
            }
        }
    }

    static String troff(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        String name = spec.qualifiedName("-");
        String version = spec.root().version().length > 0 ? spec.root().version()[0] : "umsec";
        StringBuilder sb = new StringBuilder();
        sb.append(".\\\" Generated from the umsec command line by org.umsec.server.cli.ManPages; do not edit.\n");
        sb.append(".TH \"")
                .append(name.toUpperCase(Locale.ROOT))
                .append("\" \"1\" \"\" \"")
                .append(esc(version))
                .append("\" \"umsec manual\"\n");
        sb.append(".SH NAME\n").append(esc(name)).append(" \\- ");
        String[] desc = spec.usageMessage().description();
        sb.append(desc.length > 0 ? esc(firstSentence(desc[0])) : "umsec command")
                .append('\n');
        sb.append(".SH SYNOPSIS\n.nf\n");
        String synopsis = cl.getHelp().synopsis(0).stripTrailing();
        for (String line : synopsis.split("\n")) {
            sb.append(esc(line)).append('\n');
        }
        sb.append(".fi\n");
        if (desc.length > 0) {
            sb.append(".SH DESCRIPTION\n");
            for (String d : desc) {
                sb.append(".PP\n").append(esc(d)).append('\n');
            }
        }
        List<PositionalParamSpec> params = spec.positionalParameters();
        if (!params.isEmpty()) {
            sb.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                if (p.hidden()) {
                    continue;
                }
                sb.append(".TP\n\\fI")
                        .append(esc(p.paramLabel()))
                        .append("\\fR\n")
                        .append(esc(description(p.description(), p.defaultValueString())))
                        .append('\n');
            }
        }
        if (!spec.options().isEmpty()) {
            sb.append(".SH OPTIONS\n");
            for (OptionSpec o : spec.options()) {
                if (o.hidden()) {
                    continue;
                }
                sb.append(".TP\n");
                String[] names = o.names();
                for (int i = 0; i < names.length; i++) {
                    sb.append(i == 0 ? "" : ", ")
                            .append("\\fB")
                            .append(esc(names[i]))
                            .append("\\fR");
                }
                if (o.arity().max() > 0) {
                    sb.append("=\\fI").append(esc(o.paramLabel())).append("\\fR");
                }
                sb.append('\n')
                        .append(esc(description(o.description(), o.defaultValueString())))
                        .append('\n');
            }
        }
        Map<String, CommandLine> subs = cl.getSubcommands();
        if (!subs.isEmpty()) {
            sb.append(".SH COMMANDS\n");
            for (Map.Entry<String, CommandLine> e : subs.entrySet()) {
                CommandSpec s = e.getValue().getCommandSpec();
                if (s.usageMessage().hidden() || !e.getKey().equals(s.name())) {
                    continue;
                }
                String[] d = s.usageMessage().description();
                sb.append(".TP\n\\fB")
                        .append(esc(e.getKey()))
                        .append("\\fR\n")
                        .append(esc(d.length > 0 ? d[0] : ""))
                        .append('\n');
            }
        }
        sb.append(".SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\nfailure (the message on standard error says why)\n"
                + ".TP\n2\nusage error: unknown option, missing or malformed argument\n");
        sb.append(".SH SEE ALSO\n");
        List<String> see = new ArrayList<>();
        if (spec.parent() != null) {
            see.add("\\fB" + esc(spec.parent().qualifiedName("-")) + "\\fR(1)");
        }
        for (Map.Entry<String, CommandLine> e : subs.entrySet()) {
            CommandSpec s = e.getValue().getCommandSpec();
            if (!s.usageMessage().hidden()
                    && e.getKey().equals(s.name())
                    && !(s.userObject() instanceof CommandLine.HelpCommand)) {
                see.add("\\fB" + esc(s.qualifiedName("-")) + "\\fR(1)");
            }
        }
        if (see.isEmpty()) {
            see.add("\\fBumsec\\fR(1)");
        }
        sb.append(String.join(", ", see)).append('\n');
        return sb.toString();
    }

    private static String description(String[] lines, String defaultValue) {
        String d = String.join(" ", lines);
        return d.replace("${DEFAULT-VALUE}", defaultValue == null ? "" : defaultValue);
    }

    private static String firstSentence(String s) {
        int dot = s.indexOf(". ");
        return dot > 0 ? s.substring(0, dot + 1) : s;
    }

    /** troff text: backslashes and hyphens escaped, no line may start with a control character. */
    static String esc(String s) {
        String t = s.replace("\\", "\\e").replace("-", "\\-");
        if (t.startsWith(".") || t.startsWith("'")) {
            t = "\\&" + t;
        }
        return t.replace("\n.", "\n\\&.").replace("\n'", "\n\\&'");
    }
}
