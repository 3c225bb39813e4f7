package org.umsec.core;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Thrown when a configuration cannot be used: by {@link UmConfiguration#requireValid()} with every
 * error found, and by {@link StartupPlan#resolve(UmConfiguration)} when the start-up mode cannot be
 * decided (R3). The message lists each problem on its own line.
 */
public final class InvalidConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    /**
     * Creates the exception.
     *
     * @param problems the problems, at least one
     * @throws IllegalArgumentException if {@code problems} is empty
     */
    public InvalidConfigurationException(List<ConfigProblem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    private static String render(List<ConfigProblem> problems) {
        Objects.requireNonNull(problems, "problems must not be null");
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid configuration has at least one problem");
        }
        if (problems.size() == 1) {
            return problems.get(0).message();
        }
        return problems.size() + " configuration problems:\n"
                + problems.stream().map(p -> "  " + p.toString()).collect(Collectors.joining("\n"));
    }

    /**
     * Returns the problems that made the configuration unusable.
     *
     * @return an unmodifiable list; empty after deserialisation
     */
    public List<ConfigProblem> problems() {
        return problems == null ? List.of() : problems;
    }
}
