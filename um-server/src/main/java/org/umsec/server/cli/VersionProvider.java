package org.umsec.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/**
 * {@code umsec --version}: the version the build wrote into {@value #RESOURCE} (Maven resource
 * filtering of {@code project.version}), never a constant in the code.
 */
final class VersionProvider implements CommandLine.IVersionProvider {

    static final String RESOURCE = "/org/umsec/server/version.properties";

    @Override
    public String[] getVersion() {
        return new String[] {
            "umsec " + version(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
        };
    }

    /** @return the build's version, or {@code "(unknown version)"} when run from classes not built by Maven */
    static String version() {
        try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "");
                if (!v.isBlank() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through: the version is unknown, which is what we print
        }
        return "(unknown version)";
    }
}
