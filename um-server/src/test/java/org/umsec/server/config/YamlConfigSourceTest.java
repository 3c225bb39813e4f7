package org.umsec.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.ConfigProblem;
import org.umsec.core.ConfigSnapshot;
import org.umsec.core.ConfigSource;
import org.umsec.core.ConfigSourceException;
import org.umsec.core.IpGateway;

/** The YAML file as a {@link ConfigSource}: the model with file:line origins, problems as findings, edits as changes. */
class YamlConfigSourceTest {

    @TempDir
    Path tmp;

    static final String FILE = String.join(
            "\n",
            "server:", // 1
            "  name: um1", // 2
            "  startSecured: 0", // 3
            "  dialPlans: [plain]", // 4
            "dialPlans:", // 5
            "  - name: plain", // 6
            "gateways:", // 7
            "  - name: pbx", // 8
            "    address: 127.0.0.1", // 9
            "    port: 5060", // 10
            "    dialPlan: plain", // 11
            "");

    @Test
    void readsTheModelWithFileAndLineOrigins() throws Exception {
        Path f = tmp.resolve("umsec.yaml");
        Files.writeString(f, FILE);
        try (YamlConfigSource source = new YamlConfigSource(f)) {
            ConfigSnapshot s = source.read();

            assertThat(s.gateways()).extracting(IpGateway::name).containsExactly("pbx");
            assertThat(s.origin(ConfigProblem.Subject.of(ConfigProblem.Kind.GATEWAY, "pbx", 0, null)))
                    .contains(f + ":8");
            assertThat(s.configuration().orElseThrow().validate()).isEmpty();
        }
    }

    @Test
    void aBrokenFileIsASnapshotWithFindingsAnUnreadableOneAnException() throws Exception {
        Path f = tmp.resolve("umsec.yaml");
        Files.writeString(f, FILE.replace("port: 5060", "port: 70000"));
        try (YamlConfigSource source = new YamlConfigSource(f)) {
            ConfigSnapshot s = source.read();
            assertThat(s.hasErrors()).isTrue();
            assertThat(s.server()).isEmpty();
            assertThat(s.findings()).anySatisfy(x -> assertThat(x.origin()).isEqualTo(f + ":10"));
        }
        try (YamlConfigSource source = new YamlConfigSource(tmp.resolve("missing.yaml"))) {
            assertThatThrownBy(source::read)
                    .isInstanceOf(ConfigSourceException.class)
                    .hasMessageContaining("no such file");
        }
    }

    @Test
    void anEditIsReportedAsAChange() throws Exception {
        Path f = tmp.resolve("umsec.yaml");
        Files.writeString(f, FILE);
        BlockingQueue<String> reports = new LinkedBlockingQueue<>();
        try (YamlConfigSource source = new YamlConfigSource(f)) {
            source.watch(new ConfigSource.Listener() {
                @Override
                public void changed() {
                    reports.add("changed");
                }

                @Override
                public void unavailable(String reason) {
                    reports.add("unavailable");
                }

                @Override
                public void available() {
                    reports.add("available");
                }
            });
            Files.writeString(f, FILE.replace("name: pbx", "name: pbx2"));
            assertThat(reports.poll(20, TimeUnit.SECONDS)).isEqualTo("changed");
            assertThat(source.read().gateways()).extracting(IpGateway::name).containsExactly("pbx2");
        }
    }
}
