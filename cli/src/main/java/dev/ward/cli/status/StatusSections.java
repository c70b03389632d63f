package dev.ward.cli.status;

import java.util.List;

/** The sections of {@code wardctl status}, in the order they are shown. A subsystem adds its own here. */
final class StatusSections {
    private StatusSections() {}

    static List<StatusSection> all() {
        return List.of(new IdentitySection(), new EncryptionSection(), new DatapathSection(), new ProxiesSection());
    }
}
