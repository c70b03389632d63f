package dev.ward.l7proxy.parsers.cassandra;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a CQL statement does and to which table, read from a real tokenisation of the text (comments, string
 * literals, dollar strings and quoted identifiers are skipped or kept whole), so neither a comment nor a literal
 * can hide the action or the table. A batch is its statements; text after a statement is refused.
 *
 * @param action lower-case first keyword: select, insert, update, delete, create, drop, alter, truncate, use, ...
 * @param table  {@code keyspace.table} (the session keyspace fills in a bare name), the keyspace for USE and
 *               keyspace DDL, or empty when the statement names none
 */
record CqlStatement(String action, String table) {
    private static final Set<String> KINDS = Set.of("table", "columnfamily", "keyspace", "index", "type", "function",
            "aggregate", "view", "trigger", "role", "user", "materialized", "custom");

    /** A statement the proxy cannot read: it is denied, never passed. */
    static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    /** The statements of {@code cql}: one, or a batch's. {@code keyspace} is the session's (null when none). */
    static List<CqlStatement> parse(String cql, String keyspace) throws Unreadable {
        List<String> t = tokens(cql);
        if (t.isEmpty()) throw new Unreadable("empty CQL statement");
        List<CqlStatement> out = new ArrayList<>();
        if (t.getFirst().equalsIgnoreCase("begin")) {
            int i = 1;
            while (i < t.size() && !t.get(i).equalsIgnoreCase("batch")) i++;
            if (i >= t.size()) throw new Unreadable("BEGIN without BATCH");
            i++;
            // Skip "USING TIMESTAMP n" before the first statement.
            if (i < t.size() && t.get(i).equalsIgnoreCase("using")) i += 3;
            int end = -1;
            for (int j = t.size() - 2; j >= i; j--) {
                if (t.get(j).equalsIgnoreCase("apply") && t.get(j + 1).equalsIgnoreCase("batch")) {
                    end = j;
                    break;
                }
            }
            if (end < 0) throw new Unreadable("BATCH without APPLY BATCH");
            List<String> rest = t.subList(end + 2, t.size());
            if (!(rest.isEmpty() || (rest.size() == 1 && rest.getFirst().equals(";")))) {
                throw new Unreadable("text after APPLY BATCH");
            }
            int start = i;
            for (int j = i; j <= end; j++) {
                if (j == end || t.get(j).equals(";")) {
                    if (j > start) out.add(single(t.subList(start, j), keyspace));
                    start = j + 1;
                }
            }
            if (out.isEmpty()) throw new Unreadable("empty BATCH");
            return out;
        }
        int semi = t.indexOf(";");
        if (semi >= 0 && semi != t.size() - 1) throw new Unreadable("more than one statement");
        out.add(single(semi >= 0 ? t.subList(0, semi) : t, keyspace));
        return out;
    }

    private static CqlStatement single(List<String> t, String keyspace) throws Unreadable {
        String action = t.getFirst().toLowerCase(Locale.ROOT);
        if (!isWord(t.getFirst())) throw new Unreadable("CQL statement starting with '" + t.getFirst() + "'");
        String table = switch (action) {
            case "select", "delete" -> after(t, 1, "from", keyspace);
            case "insert" -> after(t, 1, "into", keyspace);
            case "update" -> qualified(t, 1, keyspace);
            case "truncate" -> qualified(t, t.size() > 1 && t.get(1).equalsIgnoreCase("table") ? 2 : 1, keyspace);
            case "use" -> name(t, 1);
            case "create", "drop", "alter" -> ddl(t, keyspace);
            default -> "";
        };
        return new CqlStatement(action, table);
    }

    private static String ddl(List<String> t, String keyspace) throws Unreadable {
        int i = 1;
        if (i + 1 < t.size() && t.get(i).equalsIgnoreCase("or") && t.get(i + 1).equalsIgnoreCase("replace")) i += 2;
        String kind = i < t.size() ? t.get(i).toLowerCase(Locale.ROOT) : "";
        if (!KINDS.contains(kind)) return "";
        i++;
        if (kind.equals("materialized") || kind.equals("custom")) i++;
        if (i < t.size() && t.get(i).equalsIgnoreCase("if")) {
            i++;
            if (i < t.size() && t.get(i).equalsIgnoreCase("not")) i++;
            i++;
        }
        if (kind.equals("keyspace")) return name(t, i);
        if (kind.equals("index") || kind.equals("trigger")) {
            for (int j = i; j < t.size(); j++) if (t.get(j).equalsIgnoreCase("on")) return qualified(t, j + 1, keyspace);
            return "";
        }
        return qualified(t, i, keyspace);
    }

    private static String after(List<String> t, int from, String keyword, String keyspace) throws Unreadable {
        int depth = 0;
        for (int i = from; i < t.size(); i++) {
            String s = t.get(i);
            if (s.equals("(")) depth++;
            else if (s.equals(")")) depth--;
            else if (depth == 0 && s.equalsIgnoreCase(keyword)) return qualified(t, i + 1, keyspace);
        }
        throw new Unreadable("no " + keyword.toUpperCase(Locale.ROOT) + " clause");
    }

    private static String qualified(List<String> t, int i, String keyspace) throws Unreadable {
        String first = name(t, i);
        if (i + 2 < t.size() && t.get(i + 1).equals(".")) return first + "." + name(t, i + 2);
        return keyspace == null ? first : keyspace + "." + first;
    }

    private static String name(List<String> t, int i) throws Unreadable {
        if (i >= t.size()) throw new Unreadable("statement ends where a name was expected");
        String s = t.get(i);
        if (s.length() >= 2 && s.charAt(0) == '"') return s.substring(1, s.length() - 1).replace("\"\"", "\"");
        if (!isWord(s)) throw new Unreadable("'" + s + "' where a name was expected");
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isWord(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_')) return false;
        }
        return true;
    }

    /** Words, quoted identifiers (with their quotes) and single symbols; comments and literals are left out. */
    static List<String> tokens(String s) throws Unreadable {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-' || c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                if (end < 0) throw new Unreadable("unterminated comment");
                i = end + 2;
            } else if (c == '\'') {
                i = skipQuoted(s, i, '\'');
                out.add("'");
            } else if (c == '$' && i + 1 < n && s.charAt(i + 1) == '$') {
                int end = s.indexOf("$$", i + 2);
                if (end < 0) throw new Unreadable("unterminated $$ string");
                i = end + 2;
                out.add("'");
            } else if (c == '"') {
                int end = skipQuoted(s, i, '"');
                out.add(s.substring(i, end));
                i = end;
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
                out.add(s.substring(start, i));
            } else {
                out.add(String.valueOf(c));
                i++;
            }
        }
        return out;
    }

    /** Index after the closing quote; a doubled quote is an escaped one. */
    private static int skipQuoted(String s, int start, char q) throws Unreadable {
        int i = start + 1;
        while (i < s.length()) {
            if (s.charAt(i) == q) {
                if (i + 1 < s.length() && s.charAt(i + 1) == q) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        throw new Unreadable("unterminated " + (q == '"' ? "quoted identifier" : "string literal"));
    }
}
