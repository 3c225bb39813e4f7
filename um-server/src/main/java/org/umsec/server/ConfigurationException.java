package org.umsec.server;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration that cannot be used; carries every problem found, not only the first. */
public final class ConfigurationException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The problems; an unmodifiable list (transient: problems are not serialised). */
    private final transient List<ConfigurationProblem> problems;

    /**
     * @param problems every problem found; at least one
     */
    public ConfigurationException(List<ConfigurationProblem> problems) {
        super(problems.size() + (problems.size() == 1 ? " configuration problem:" : " configuration problems:")
                + problems.stream().map(p -> "\n  " + p).collect(Collectors.joining()));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigurationException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** @return every problem found, in file order */
    public List<ConfigurationProblem> problems() {
        return problems == null ? List.of() : problems;
    }
}
