package dev.ward.cli.xfrm;

import dev.ward.cli.CliExit;
import dev.ward.cli.Wardctl;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs wardctl in this JVM and captures what it prints, as an operator's terminal would see it. */
record WardctlRun(int exit, String out, String err) {
    static WardctlRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = CliExit.execute(new Wardctl(), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new WardctlRun(code, out.toString(), err.toString());
    }

    /** The single error line, which must be the whole of stderr. */
    String errorLine() {
        if (err.lines().count() != 1) throw new AssertionError("expected exactly one error line, got:\n" + err);
        return err.strip();
    }
}
