package dev.ward.keyd;

import dev.ward.store.StoreLocation;

import java.nio.file.Path;

/** The identity lifecycle in a local directory store ({@code --store dir:PATH}). */
class DirectoryIdentityFlowTest extends KvIdentityFlowContract {
    @Override
    IdentityEnvironment environment(Path tmp) {
        return new KvEnvironment(new StoreLocation.Directory(tmp.resolve("store")), null);
    }
}
