package org.umsec.server.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code umsec} in-process and captures what it prints. */
record CliRunner(int exit, String out, String err) {
    static CliRunner run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = UmsecCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(args);
        return new CliRunner(code, out.toString(), err.toString());
    }
}
