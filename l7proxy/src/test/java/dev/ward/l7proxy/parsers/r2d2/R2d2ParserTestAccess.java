package dev.ward.l7proxy.parsers.r2d2;

import dev.ward.l7proxy.testing.EngineRedirectLookup;

/** The r2d2 test policy, for tests in other packages. */
public final class R2d2ParserTestAccess {
    private R2d2ParserTestAccess() {}

    public static EngineRedirectLookup lookup() {
        return R2d2ParserTest.lookup();
    }
}
