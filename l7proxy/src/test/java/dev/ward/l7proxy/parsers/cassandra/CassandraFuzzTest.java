package dev.ward.l7proxy.parsers.cassandra;

import dev.ward.l7proxy.proxy.ParserFuzzer;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class CassandraFuzzTest {
    @Test
    void randomAndMutatedEnvelopesNeverPassUnparsedOrDeniedStatements() {
        List<byte[]> seeds = List.of(
                CqlFrames.query(4, 1, "SELECT * FROM system.local"),
                CqlFrames.query(4, 2, "INSERT INTO attendance.daily_records (a) VALUES ('x')"),
                CqlFrames.query(4, 3, "SELECT * FROM attendance.daily_records"),
                CqlFrames.query(4, 4, "BEGIN BATCH INSERT INTO attendance.daily_records (a) VALUES (1); APPLY BATCH"),
                CqlFrames.prepare(4, 5, "INSERT INTO attendance.daily_records (a) VALUES (?)"),
                CqlFrames.execute(4, 6, new byte[] {1, 2}),
                CqlFrames.envelope(4, 7, 0x05, new byte[0]));
        int forwarded = new ParserFuzzer(new CassandraParserFactory(), CassandraParserTest.LOOKUP, Direction.INGRESS,
                CassandraParserTest.OUTPOST, CassandraParserTest.CASS, 9042).run(seeds, 5000, 16);
        assertTrue(forwarded > 500, "the fuzz reached the allowed path " + forwarded + " times");
    }
}
