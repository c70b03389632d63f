package dev.ward.l7proxy.parsers.memcache;

import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.policy.l7.L7Request;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * memcached commands as the rules see them: {@code command} and, for each key a command names, {@code key}
 * (matched by keyExact, keyPrefix or keyRegex). A command naming several keys passes only if every key does.
 */
final class MemcacheRules {
    static final int MAX_KEY = 250;
    private final ParserContext context;

    MemcacheRules(ParserContext context) {
        this.context = context;
    }

    static L7Request.Generic request(String command, List<String> keys) {
        return request(command, keys.isEmpty() ? null : keys.getFirst());
    }

    static L7Request.Generic request(String command, String key) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("command", command);
        if (key != null) f.put("key", key);
        return new L7Request.Generic("memcache", f);
    }

    /** Decides each key; returns null when all pass, else the first denied request. */
    L7Request.Generic decide(String command, List<String> keys) {
        if (keys.isEmpty()) {
            L7Request.Generic r = request(command, (String) null);
            return context.decide(r).allowed() ? null : r;
        }
        L7Request.Generic denied = null;
        for (String k : keys) {
            L7Request.Generic r = request(command, k);
            if (!context.decide(r).allowed() && denied == null) denied = r;
        }
        return denied;
    }

    void reply(L7Request.Generic request, String result) {
        context.reply(request, false, Map.of("result", result));
    }

    void deniedReply(L7Request.Generic request, String result) {
        context.reply(request, true, Map.of("result", result));
    }

    /** Why {@code key} is no memcached key, or null. */
    static String invalidKey(String key) {
        if (key.isEmpty()) return "empty memcached key";
        if (key.length() > MAX_KEY) return "memcached key longer than " + MAX_KEY + " bytes";
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c == 0x7f) return "memcached key with control or space character 0x" + Integer.toHexString(c);
        }
        return null;
    }
}
