package dev.ward.xfrm;

import java.util.List;
import java.util.Objects;

/**
 * One xfrm policy: for traffic matching {@code selector} in {@code direction} (and the mark / interface id),
 * allow it through the templates' SAs or block it. Lower {@code priority} values win.
 */
public record XfrmPolicy(Selector selector, PolicyDirection direction, PolicyAction action, int priority,
                         Mark mark, int ifId, List<PolicyTemplate> templates) {
    public XfrmPolicy {
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(action, "action");
        templates = List.copyOf(templates);
    }

    public static XfrmPolicy allow(Selector selector, PolicyDirection direction, int priority, PolicyTemplate... templates) {
        return new XfrmPolicy(selector, direction, PolicyAction.ALLOW, priority, null, 0, List.of(templates));
    }

    public static XfrmPolicy block(Selector selector, PolicyDirection direction, int priority) {
        return new XfrmPolicy(selector, direction, PolicyAction.BLOCK, priority, null, 0, List.of());
    }

    public XfrmPolicy withMark(Mark m) {
        return new XfrmPolicy(selector, direction, action, priority, m, ifId, templates);
    }

    public XfrmPolicy withIfId(int id) {
        return new XfrmPolicy(selector, direction, action, priority, mark, id, templates);
    }

    public XfrmPolicy withPriority(int p) {
        return new XfrmPolicy(selector, direction, action, p, mark, ifId, templates);
    }

    public PolicyKey key() {
        return new PolicyKey(selector, direction, mark, ifId);
    }

    public String describe() {
        return key().describe();
    }
}
