package dev.ward.l7proxy.parsers.cassandra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CqlStatementTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "SELECT * FROM system.local|select|system.local",
            "select count(*) from \"Ks\".\"Tab\" where a = 'from x.y'|select|Ks.Tab",
            "SELECT json a FROM t|select|ks0.t",
            "INSERT INTO attendance.daily_records (a, b) VALUES (1, 'x')|insert|attendance.daily_records",
            "UPDATE attendance.daily_records SET a = 1 WHERE b = 2|update|attendance.daily_records",
            "DELETE a FROM ks.t WHERE b = 1|delete|ks.t",
            "TRUNCATE TABLE ks.t|truncate|ks.t",
            "TRUNCATE t|truncate|ks0.t",
            "CREATE TABLE IF NOT EXISTS ks.t (a int PRIMARY KEY)|create|ks.t",
            "DROP KEYSPACE IF EXISTS secrets|drop|secrets",
            "CREATE INDEX i ON ks.t (a)|create|ks.t",
            "ALTER MATERIALIZED VIEW ks.v WITH comment = 'x'|alter|ks.v",
            "USE \"Attendance\"|use|Attendance",
            "/* a comment */ SELECT * FROM system_schema.tables;|select|system_schema.tables",
            "GRANT SELECT ON ks.t TO r|grant|",
    })
    void actionsAndTables(String cql, String action, String table) throws Exception {
        List<CqlStatement> s = CqlStatement.parse(cql, "ks0");
        assertEquals(List.of(new CqlStatement(action, table == null ? "" : table)), s);
    }

    @Test
    void lineCommentsHideNothing() throws Exception {
        assertEquals(List.of(new CqlStatement("drop", "ks.t")), CqlStatement.parse("-- SELECT * FROM system.local\nDROP TABLE ks.t", null));
        assertEquals(List.of(new CqlStatement("drop", "ks.t")), CqlStatement.parse("// select\nDROP TABLE ks.t", null));
    }

    @Test
    void aBatchIsItsStatements() throws Exception {
        List<CqlStatement> s = CqlStatement.parse("BEGIN UNLOGGED BATCH USING TIMESTAMP 5 INSERT INTO a.b (x) VALUES (1); "
                + "DELETE FROM c.d WHERE y = ';' APPLY BATCH;", null);
        assertEquals(List.of(new CqlStatement("insert", "a.b"), new CqlStatement("delete", "c.d")), s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "SELECT * FROM system.local; DROP TABLE t", "SELECT * FROM 'x", "/* open",
            "SELECT * WHERE a = 1", "BEGIN BATCH INSERT INTO a.b (x) VALUES (1)", "INSERT INTO", "; SELECT"})
    void unreadableStatementsAreRefused(String cql) {
        assertThrows(CqlStatement.Unreadable.class, () -> CqlStatement.parse(cql, "ks"));
    }
}
