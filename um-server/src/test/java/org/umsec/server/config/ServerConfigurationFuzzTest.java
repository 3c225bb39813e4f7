package org.umsec.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.umsec.core.ConfigSourceException;

/**
 * Fuzz target for the YAML configuration reader and binder ({@link ServerConfiguration#load(String,
 * java.io.Reader, Path)}): a configuration or a {@link ConfigurationException} listing problems, never another
 * exception; every problem names the source and a line inside the text (0 when it has no single line). A
 * {@code directory:} section is parsed and checked, but never contacts a directory: the fuzz access answers that
 * none can be reached (a problem at the {@code directory:} line). Corpus:
 * {@code src/test/resources/org/umsec/server/config/ServerConfigurationFuzzTestInputs/loadYaml/}.
 */
class ServerConfigurationFuzzTest {

    private static final String SOURCE = "fuzz.yaml";
    private static final DirectoryAccess NO_DIRECTORY = (settings, server, store) -> {
        throw new ConfigSourceException("cannot read the directory " + settings.url() + ": not reached while fuzzing");
    };

    @FuzzTest(maxDuration = "30s")
    void loadYaml(byte[] data) {
        if (data == null) {
            return;
        }
        String text = new String(data, StandardCharsets.UTF_8);
        long lines = text.lines().count() + 1;
        try {
            ServerConfiguration c =
                    ServerConfiguration.load(SOURCE, new StringReader(text), Path.of("/srv/umsec"), NO_DIRECTORY);
            assertThat(c.toString()).isNotNull();
        } catch (ConfigurationException e) {
            assertThat(e.problems()).isNotEmpty();
            for (ConfigurationProblem p : e.problems()) {
                assertThat(p.source()).isEqualTo(SOURCE);
                assertThat((long) p.line()).as("%s", p).isBetween(0L, lines);
                assertThat(p.message()).isNotBlank();
            }
        }
    }
}
