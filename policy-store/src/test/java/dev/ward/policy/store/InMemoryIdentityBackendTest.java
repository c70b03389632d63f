package dev.ward.policy.store;

import dev.ward.policy.identity.IdentityBackend;
import dev.ward.policy.identity.InMemoryIdentityBackend;
import org.junit.jupiter.api.BeforeEach;

/** The reference store passes the same contract as the real ones. */
class InMemoryIdentityBackendTest extends IdentityBackendContract {
    private InMemoryIdentityBackend shared;

    @BeforeEach
    void fresh() {
        shared = new InMemoryIdentityBackend();
    }

    @Override
    IdentityBackend newBackend(String node) {
        return shared;
    }
}
