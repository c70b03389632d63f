package dev.ward.xfrm;

/** What identifies a policy in the kernel: selector, direction, mark and interface id (priority does not). */
public record PolicyKey(Selector selector, PolicyDirection direction, Mark mark, int ifId) {
    public String describe() {
        return "policy " + direction.label() + " " + selector + (mark == null ? "" : " mark " + mark)
                + (ifId == 0 ? "" : " if_id " + ifId);
    }
}
