package org.umsec.certs;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of a selection (R9) with its explanation: every candidate, valid ones in the order
 * chosen, followed by rejected ones with their reasons. This is what the {@code select} command
 * prints. Immutable.
 */
public final class SelectionResult {
    private final Instant time;
    private final SelectionCriteria criteria;
    private final List<SelectionCandidate> candidates;

    /**
     * Creates a result.
     *
     * @param time the instant the selection was made for
     * @param criteria the criteria used
     * @param candidates valid candidates in order, then rejected ones
     */
    public SelectionResult(Instant time, SelectionCriteria criteria, List<SelectionCandidate> candidates) {
        this.time = Objects.requireNonNull(time, "time");
        this.criteria = Objects.requireNonNull(criteria, "criteria");
        this.candidates = List.copyOf(candidates);
    }

    /** @return the selected candidate, empty when no certificate is valid */
    public Optional<SelectionCandidate> selected() {
        return candidates.isEmpty() || !candidates.get(0).isValid() ? Optional.empty() : Optional.of(candidates.get(0));
    }

    /** @return every candidate: valid ones best first, then rejected ones */
    public List<SelectionCandidate> candidates() {
        return candidates;
    }

    /** @return the valid candidates, best first */
    public List<SelectionCandidate> valid() {
        return candidates.stream().filter(SelectionCandidate::isValid).toList();
    }

    /** @return the rejected candidates */
    public List<SelectionCandidate> rejected() {
        return candidates.stream().filter(c -> !c.isValid()).toList();
    }

    /** @return the instant the selection was made for */
    public Instant time() {
        return time;
    }

    /** @return the criteria used */
    public SelectionCriteria criteria() {
        return criteria;
    }

    /** @return a multi-line explanation: the criteria, then one line per candidate */
    public String explain() {
        StringBuilder sb = new StringBuilder();
        sb.append("selection at ").append(time).append(", ").append(criteria).append(": ");
        sb.append(selected().map(c -> "selected " + c.certificate().alias()).orElse("no valid certificate"));
        for (SelectionCandidate c : candidates) {
            sb.append('\n').append("  ").append(c.explain());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return explain();
    }
}
