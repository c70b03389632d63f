package dev.ward.cli;

import picocli.CommandLine;

final class WardVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = WardVersion.class.getPackage().getImplementationVersion();
        return new String[] {"ward " + (v == null ? "dev" : v)};
    }
}
