package dev.ward.cli.xfrm;

import dev.ward.cli.OutputOption.Table;
import dev.ward.xfrm.EspAlgorithm;
import dev.ward.xfrm.InstalledPolicy;
import dev.ward.xfrm.InstalledSa;
import dev.ward.xfrm.Lifetime;
import dev.ward.xfrm.Mark;
import dev.ward.xfrm.PolicyTemplate;
import dev.ward.xfrm.SecurityAssociation;
import dev.ward.xfrm.XfrmErrorCounters;
import dev.ward.xfrm.XfrmPolicy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What wardctl shows of the kernel's xfrm tables, one row per SA or policy, for both the table and JSON. Keys
 * are never shown: an operator listing SAs must not be able to leak them into a terminal or a ticket.
 */
final class XfrmViews {
    private XfrmViews() {}

    record SaRow(String src, String dst, String spi, String mode, int reqid, String algorithm, int keyBits,
                 int replayWindow, boolean esn, String mark, String outputMark, int ifId, String selector,
                 String lifetime, long bytes, long packets, long integrityFailures, long replayDrops) {}

    record TemplateRow(String src, String dst, String spi, String mode, int reqid, String level) {}

    record PolicyRow(String dir, String selector, String action, int priority, int index, String mark, int ifId,
                     List<TemplateRow> templates) {}

    static SaRow row(InstalledSa installed) {
        SecurityAssociation sa = installed.association();
        String alg;
        int bits;
        switch (sa.algorithm()) {
            case EspAlgorithm.Aead a -> {
                alg = a.name();
                bits = a.key().length * 8;
            }
            case EspAlgorithm.CipherAndAuth c -> {
                alg = c.cipher() + "+" + c.auth();
                bits = c.cipherKey().length * 8;
            }
        }
        return new SaRow(sa.source().getHostAddress(), sa.destination().getHostAddress(), String.format("0x%08x", sa.spi()),
                sa.mode().name().toLowerCase(), sa.reqid(), alg, bits, sa.replay().window(), sa.replay().extendedSequenceNumbers(),
                mark(sa.mark()), mark(sa.outputMark()), sa.ifId(), sa.selector().toString(), lifetime(sa.lifetime()),
                installed.counters().bytes(), installed.counters().packets(), installed.counters().integrityFailures(),
                installed.counters().replayDrops());
    }

    static PolicyRow row(InstalledPolicy installed) {
        XfrmPolicy p = installed.policy();
        List<TemplateRow> t = p.templates().stream().map(XfrmViews::template).toList();
        return new PolicyRow(p.direction().label(), p.selector().toString(), p.action().name().toLowerCase(), p.priority(),
                installed.index(), mark(p.mark()), p.ifId(), t);
    }

    private static TemplateRow template(PolicyTemplate t) {
        return new TemplateRow(t.source() == null ? null : t.source().getHostAddress(),
                t.destination() == null ? null : t.destination().getHostAddress(), t.spi() == 0 ? null : String.format("0x%08x", t.spi()),
                t.mode().name().toLowerCase(), t.reqid(), t.level().name().toLowerCase());
    }

    static Table saTable(List<SaRow> rows) {
        Table t = new Table("SRC", "DST", "SPI", "MODE", "REQID", "ALGORITHM", "REPLAY", "MARK", "IF_ID", "SELECTOR", "PACKETS", "BYTES");
        for (SaRow r : rows) {
            t.row(r.src(), r.dst(), r.spi(), r.mode(), r.reqid(), r.algorithm() + "/" + r.keyBits(),
                    r.replayWindow() + (r.esn() ? " esn" : ""), r.mark(), r.ifId() == 0 ? null : r.ifId(), r.selector(),
                    r.packets(), r.bytes());
        }
        return t;
    }

    static Table policyTable(List<PolicyRow> rows) {
        Table t = new Table("DIR", "SELECTOR", "ACTION", "PRIORITY", "MARK", "IF_ID", "TEMPLATES");
        for (PolicyRow r : rows) {
            String tmpl = r.templates().isEmpty() ? null : String.join(", ", r.templates().stream().map(x ->
                    x.mode() + (x.src() == null ? "" : " " + x.src() + "->" + x.dst()) + " reqid " + x.reqid()
                            + (x.level().equals("use") ? " (use)" : "")).toList());
            t.row(r.dir(), r.selector(), r.action(), r.priority(), r.mark(), r.ifId() == 0 ? null : r.ifId(), tmpl);
        }
        return t;
    }

    static Map<String, Long> counters(XfrmErrorCounters c) {
        Map<String, Long> out = new LinkedHashMap<>();
        c.known().forEach((k, v) -> out.put(k.name(), v));
        out.putAll(c.others());
        return out;
    }

    static Table counterTable(Map<String, Long> counters) {
        Table t = new Table("COUNTER", "VALUE");
        counters.forEach(t::row);
        return t;
    }

    private static String mark(Mark m) {
        return m == null ? null : m.toString();
    }

    private static String lifetime(Lifetime l) {
        if (l.equals(Lifetime.UNLIMITED)) return null;
        StringBuilder s = new StringBuilder();
        limit(s, "bytes", l.softBytes(), l.hardBytes());
        limit(s, "packets", l.softPackets(), l.hardPackets());
        if (l.softAddSeconds() != 0 || l.hardAddSeconds() != 0) limit(s, "s", l.softAddSeconds(), l.hardAddSeconds());
        return s.toString().strip();
    }

    private static void limit(StringBuilder s, String unit, long soft, long hard) {
        if (soft == Lifetime.NONE && hard == Lifetime.NONE) return;
        s.append(' ').append(unit).append(" soft ").append(soft == Lifetime.NONE ? "-" : soft)
                .append(" hard ").append(hard == Lifetime.NONE ? "-" : hard);
    }
}
