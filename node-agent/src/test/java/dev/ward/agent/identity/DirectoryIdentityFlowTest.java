package dev.ward.agent.identity;

import dev.ward.keyd.IdentityEnvironment;
import dev.ward.keyd.KvEnvironment;
import dev.ward.store.StoreLocation;

import java.nio.file.Path;

/** The identity lifecycle in a local directory store ({@code --store dir:PATH}). */
class DirectoryIdentityFlowTest extends KvIdentityFlowContract {
    @Override
    IdentityEnvironment environment(Path tmp) {
        return new KvEnvironment(new StoreLocation.Directory(tmp.resolve("store")), null);
    }
}
