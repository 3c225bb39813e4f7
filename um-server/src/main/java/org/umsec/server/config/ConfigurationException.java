package org.umsec.server.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration that cannot be used; carries every problem found, not only the first: every error
 * and, to fix in the same pass, the warnings found with them.
 */
public final class ConfigurationException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The problems; an unmodifiable list (transient: problems are not serialised). */
    private final transient List<ConfigurationProblem> problems;

    /**
     * @param problems every problem found; at least one
     * @throws IllegalArgumentException if {@code problems} is empty
     */
    public ConfigurationException(List<ConfigurationProblem> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    private static String message(List<ConfigurationProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigurationException needs at least one problem");
        }
        return problems.size()
                + (problems.size() == 1 ? " configuration problem:" : " configuration problems:")
                + problems.stream().map(p -> "\n  " + p).collect(Collectors.joining());
    }

    /** @return every problem found, in file order */
    public List<ConfigurationProblem> problems() {
        return problems == null ? List.of() : problems;
    }

    /** @return the errors among {@link #problems()} */
    public List<ConfigurationProblem> errors() {
        return problems().stream().filter(ConfigurationProblem::isError).toList();
    }
}
