package io.flowbatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shape of the code as a checked rule: features by package, no cycle between them,
 * each depending only on the features listed here, and one writer of the evaluation
 * table. A new dependency between features is a decision: it fails here until this map
 * says so.
 */
class ArchitectureTest {

    /**
     * Each feature package and the features it may use; {@code system} is the shared
     * kernel.
     */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(Map.entry("system", Set.of()),
            Map.entry("condition", Set.of("system")), Map.entry("webhook", Set.of("system")),
            Map.entry("evaluation", Set.of("condition", "system")), Map.entry("delivery", Set.of("intake", "system")),
            Map.entry("flow", Set.of("condition", "delivery", "evaluation", "intake", "webhook", "system")),
            Map.entry("intake", Set.of("evaluation", "system")),
            Map.entry("execution", Set.of("condition", "evaluation", "delivery", "webhook", "system")),
            Map.entry("schedule", Set.of("execution")), Map.entry("cluster", Set.of("execution", "delivery", "system")),
            Map.entry("admin",
                    Set.of("evaluation", "execution", "cluster", "schedule", "delivery", "deliverability", "flow",
                            "system")),
            Map.entry("embedded", Set.of("admin", "flow", "intake", "system")),
            Map.entry("deliverability", Set.of("evaluation", "intake", "delivery", "flow", "system")));

    /** A statement that writes the evaluation table or its delivery log. */
    static final Pattern WRITES_EVALUATIONS = Pattern
        .compile("(INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+(evaluation|delivery_log)\\b", Pattern.CASE_INSENSITIVE);

    static final Path MAIN = Path.of("src/main/java/io/flowbatch");

    static final JavaClasses CLASSES = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.flowbatch");

    @Test
    void noCycleBetweenFeatures() {
        slices().matching("io.flowbatch.(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void eachFeatureUsesOnlyTheFeaturesItIsAllowedTo() {
        for (Map.Entry<String, Set<String>> feature : ALLOWED.entrySet()) {
            String[] forbidden = ALLOWED.keySet()
                .stream()
                .filter((other) -> !other.equals(feature.getKey()) && !feature.getValue().contains(other))
                .map((other) -> "io.flowbatch." + other + "..")
                .toArray(String[]::new);
            noClasses().that()
                .resideInAPackage("io.flowbatch." + feature.getKey() + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(forbidden)
                .because(feature.getKey() + " may use only " + feature.getValue())
                .check(CLASSES);
        }
    }

    @Test
    void everyFeaturePackageIsInTheMapAndSaysWhatItOwns() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> children = Files.list(MAIN)) {
            children.filter(Files::isDirectory).forEach((dir) -> packages.add(dir.getFileName().toString()));
        }
        assertThat(packages).as("feature packages").isEqualTo(new TreeSet<>(ALLOWED.keySet()));
        for (String feature : packages) {
            assertThat(MAIN.resolve(feature).resolve("package-info.java")).as(feature + "'s package-info").exists();
        }
    }

    /**
     * Only the evaluation package writes evaluation rows: every other package calls it
     * (intake embeds its statement for the first steps of a flow, in one round trip with
     * the events).
     */
    @Test
    void onlyTheEvaluationPackageWritesTheEvaluationTable() throws IOException {
        List<String> writers = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter((f) -> f.toString().endsWith(".java")).toList()) {
                if (file.startsWith(MAIN.resolve("evaluation"))) {
                    continue;
                }
                var matcher = WRITES_EVALUATIONS.matcher(Files.readString(file));
                while (matcher.find()) {
                    writers.add(MAIN.relativize(file) + ": " + matcher.group());
                }
            }
        }
        assertThat(writers).as("statements writing evaluation rows outside io.flowbatch.evaluation").isEmpty();
    }

    @Test
    void theRuleAboveFindsAWriter() {
        assertThat(WRITES_EVALUATIONS.matcher("UPDATE evaluation SET state = 'SENT'").find()).isTrue();
        assertThat(WRITES_EVALUATIONS.matcher("insert into delivery_log (evaluation_id)").find()).isTrue();
        assertThat(WRITES_EVALUATIONS.matcher("SELECT id FROM evaluation").find()).isFalse();
    }

}
