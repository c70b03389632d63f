package dev.ward.cli.xfrm;

import picocli.CommandLine.Option;

/** {@code --netns NAME}: act on a named network namespace (/run/netns/NAME) instead of wardctl's own. */
public final class NetnsOption {
    @Option(names = "--netns", paramLabel = "NAME", description = "Named network namespace (as in 'ip netns'); default: wardctl's own.")
    String netns;

    public String netns() {
        return netns;
    }
}
