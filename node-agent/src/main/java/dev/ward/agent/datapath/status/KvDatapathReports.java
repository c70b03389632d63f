package dev.ward.agent.datapath.status;

import dev.ward.pki.NodeNames;
import dev.ward.store.CorruptRecordException;
import dev.ward.store.StoredJson;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.KvTxn;
import dev.ward.store.kv.VersionedKv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Datapath reports in etcd or a directory store: {@code /ward/datapath/status/NODE}, the report as JSON. */
public final class KvDatapathReports implements DatapathReports {
    private static final Logger LOG = LoggerFactory.getLogger(KvDatapathReports.class);
    public static final String PREFIX = "/ward/datapath/status/";

    private final VersionedKv kv;

    public KvDatapathReports(VersionedKv kv) {
        this.kv = kv;
    }

    public static String key(String node) {
        return PREFIX + NodeNames.require(node, "node name");
    }

    @Override
    public void write(DatapathReport report) {
        String key = key(report.node());
        if (!kv.commit(new KvTxn().put(key, StoredJson.write(report)))) throw new IllegalStateException("the store refused to write " + key);
    }

    @Override
    public List<DatapathReport> all() {
        List<DatapathReport> all = new ArrayList<>();
        for (KvEntry e : kv.list(PREFIX)) {
            try {
                DatapathReport r = StoredJson.read(e.text(), DatapathReport.class, "datapath report " + e.key());
                if (!e.key().equals(PREFIX + r.node())) throw new CorruptRecordException("datapath report " + e.key() + " says it is node " + r.node() + "'s");
                all.add(r);
            } catch (CorruptRecordException ex) {
                LOG.warn("skipping {}", ex.getMessage());
            }
        }
        return all;
    }

    @Override
    public boolean remove(String node) {
        String key = key(node);
        return kv.get(key).isPresent() && kv.commit(new KvTxn().delete(key));
    }

    @Override
    public Set<String> nodes() {
        Set<String> nodes = new TreeSet<>();
        for (KvEntry e : kv.list(PREFIX)) nodes.add(e.key().substring(PREFIX.length()));
        return nodes;
    }
}
