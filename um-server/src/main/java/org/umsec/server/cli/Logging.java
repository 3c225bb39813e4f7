package org.umsec.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The {@code umsec} program's logging: one line per record on standard error, as text or as JSON
 * ({@code --log-format}), at the level of {@code --log-level}. The library itself logs through the
 * SLF4J API only; this class is the program's choice of backend (logback). A
 * {@code -Dlogback.configurationFile=...} given to the JVM wins: then nothing is changed here.
 */
final class Logging {

    /** Log record layout. */
    enum Format {
        /** {@code 2026-12-03T15:04:05.123Z INFO  [thread] logger - message} */
        TEXT,
        /** one JSON object per line (see {@link JsonLogEncoder}) */
        JSON;

        static Format parse(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    /** Set by {@link UmsecCommand#main}: only the real program reconfigures the process's logging. */
    private static volatile boolean managed;

    private Logging() {}

    static void manage() {
        managed = true;
    }

    static boolean managed() {
        return managed;
    }

    /**
     * Replaces the logging configuration of this process.
     *
     * @param format record layout
     * @param level the lowest level written
     * @return false if an external logback configuration or another SLF4J backend is in charge
     */
    static boolean configure(Format format, Level level) {
        if (System.getProperty("logback.configurationFile") != null) {
            return false;
        }
        ILoggerFactory f = LoggerFactory.getILoggerFactory();
        if (!(f instanceof LoggerContext ctx)) {
            return false;
        }
        ctx.reset();
        Encoder<ILoggingEvent> encoder;
        if (format == Format.JSON) {
            JsonLogEncoder json = new JsonLogEncoder();
            json.setContext(ctx);
            json.start();
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setContext(ctx);
            text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX, UTC} %-5level [%thread] %logger{36} - %msg%n");
            text.start();
            encoder = text;
        }
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(ctx);
        out.setName("stderr");
        out.setTarget("System.err");
        out.setEncoder(encoder);
        out.start();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(out);
        return true;
    }

    /**
     * @param s ERROR, WARN, INFO, DEBUG or TRACE (any case)
     * @return the level
     * @throws IllegalArgumentException for anything else
     */
    static Level level(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        return switch (t) {
            case "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "OFF" -> Level.toLevel(t);
            default ->
                throw new IllegalArgumentException(
                        "log level '" + s + "' is not one of ERROR, WARN, INFO, DEBUG," + " TRACE, OFF");
        };
    }
}
