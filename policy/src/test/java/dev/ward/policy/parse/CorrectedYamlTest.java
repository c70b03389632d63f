package dev.ward.policy.parse;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The writer of corrected documents, on every document of the golden corpus (each written back whether or not it
 * needed a repair): read again, it must mean what the original meant, so that quoting (strings like "80", "yes" or
 * "k8s:app", regexes with backslashes, empty values) survives the round trip.
 */
class CorrectedYamlTest {
    @TestFactory
    Stream<DynamicTest> everyGoldenDocumentReadsTheSameOnceWrittenBack() throws IOException, URISyntaxException {
        Path root = Path.of(CorrectedYamlTest.class.getResource("/golden").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        PolicyParser parser = new PolicyParser();
        return files.stream().map(f -> DynamicTest.dynamicTest(root.relativize(f).toString(), () -> {
            String text = Files.readString(f);
            StringBuilder rewritten = new StringBuilder();
            for (YamlDocuments.Document d : YamlDocuments.read(text)) {
                rewritten.append(d.root() == null ? d.text() : CorrectedYaml.write(d.text(), d.root()));
            }
            List<ParsedDocument> before = parser.fix(text, "x").documents();
            List<ParsedDocument> after = parser.fix(rewritten.toString(), "x").documents();
            assertEquals(before.size(), after.size(), rewritten.toString());
            for (int i = 0; i < before.size(); i++) {
                assertEquals(before.get(i).errors(), after.get(i).errors(), rewritten.toString());
                assertEquals(before.get(i).policy() == null ? null : before.get(i).policy().rules(),
                        after.get(i).policy() == null ? null : after.get(i).policy().rules(), rewritten.toString());
                assertEquals(before.get(i).service(), after.get(i).service(), rewritten.toString());
            }
        }));
    }
}
