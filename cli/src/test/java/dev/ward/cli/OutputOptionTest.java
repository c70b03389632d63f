package dev.ward.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class OutputOptionTest {
    @Test
    void tableAlignsColumnsToTheWidestCell() {
        String t = new OutputOption.Table("NAME", "SPI").row("node-a", "0x100").row("n", null).render();
        assertEquals("NAME    SPI\nnode-a  0x100\nn       -\n", t);
    }

    @Test
    void rowWithWrongCellCountIsRefused() {
        var t = new OutputOption.Table("A", "B");
        var e = assertThrows(IllegalArgumentException.class, () -> t.row("x"));
        assertTrue(e.getMessage().contains("1 cells"));
    }

    @Test
    void unknownSubcommandIsAUsageErrorNotAStackTrace() {
        assertEquals(CliExit.USAGE, CliExit.execute(new Wardctl(), "no-such-command"));
    }
}
