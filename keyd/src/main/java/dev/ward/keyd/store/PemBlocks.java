package dev.ward.keyd.store;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Splits PEM text into its blocks, each kept as PEM text, so a file of mixed blocks can be read in order. */
final class PemBlocks {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \\1-----", Pattern.DOTALL);

    private PemBlocks() {}

    static List<String> split(String pem) {
        List<String> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) out.add(m.group() + "\n");
        return out;
    }
}
