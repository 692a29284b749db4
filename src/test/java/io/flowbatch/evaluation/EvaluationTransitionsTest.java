package io.flowbatch.evaluation;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static io.flowbatch.evaluation.EvaluationState.SENDING;
import static io.flowbatch.evaluation.EvaluationState.SENT;
import static io.flowbatch.evaluation.EvaluationState.WAITING;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The state table is the one source of allowed moves: every statement that updates
 * evaluation rows declares its moves ({@link Transition}), and each declaration is
 * checked against the table and against the statement's own SQL. A statement that moves
 * rows along a move the table lacks, or names a state its declaration leaves out, fails
 * the build.
 */
class EvaluationTransitionsTest {

    static final Pattern UPDATES_EVALUATIONS = Pattern.compile("UPDATE\\s+evaluation\\b", Pattern.CASE_INSENSITIVE);

    static final Pattern STATE_LITERAL = Pattern.compile("'([A-Z_]+)'");

    @Test
    void everyStatementThatUpdatesEvaluationsDeclaresMovesTheTableAllows() throws Exception {
        List<Statement> statements = statements();
        assertThat(statements).as("statements found").hasSizeGreaterThanOrEqualTo(15);
        List<String> problems = new ArrayList<>();
        for (Statement statement : statements) {
            problems.addAll(statement.problems());
        }
        assertThat(problems).isEmpty();
    }

    /** The table holds no move nothing makes. */
    @Test
    void everyMoveOfTheTableIsMadeByAStatement() throws Exception {
        Set<String> made = new TreeSet<>();
        for (Statement statement : statements()) {
            for (EvaluationState from : statement.from()) {
                for (EvaluationState to : statement.to()) {
                    if (from.canMoveTo(to)) {
                        made.add(from + "->" + to);
                    }
                }
            }
        }
        Set<String> unmade = new TreeSet<>();
        for (EvaluationState from : EvaluationState.values()) {
            for (EvaluationState to : EvaluationState.values()) {
                if (from.canMoveTo(to) && !made.contains(from + "->" + to)) {
                    unmade.add(from + "->" + to);
                }
            }
        }
        assertThat(unmade).isEmpty();
    }

    @Test
    void aMoveTheTableLacksIsCaught() {
        Statement sendsWaiting = new Statement("SENDS_WAITING",
                "UPDATE evaluation SET state = 'SENT' WHERE state = 'WAITING'", EnumSet.of(WAITING), EnumSet.of(SENT),
                false);
        Statement undeclaredState = new Statement("UNDECLARED",
                "UPDATE evaluation SET state = 'SENT' WHERE state IN ('SENDING', 'PROCESSING')", EnumSet.of(SENDING),
                EnumSet.of(SENT), false);
        Statement perRowWithoutTable = new Statement("PER_ROW",
                "UPDATE evaluation e SET state = o.state FROM o WHERE e.state = 'SENDING'", EnumSet.of(SENDING),
                EnumSet.of(SENT), true);

        assertThat(sendsWaiting.problems()).singleElement().asString().contains("WAITING -> SENT");
        assertThat(undeclaredState.problems()).singleElement().asString().contains("PROCESSING");
        assertThat(perRowWithoutTable.problems()).singleElement().asString().contains("table's moves");
    }

    private static List<Statement> statements() throws Exception {
        List<Statement> statements = new ArrayList<>();
        for (JavaClass javaClass : new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.flowbatch.evaluation")) {
            for (Field field : javaClass.reflect().getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers()) || field.getType() != String.class) {
                    continue;
                }
                field.setAccessible(true);
                String sql = (String) field.get(null);
                Transition transition = field.getAnnotation(Transition.class);
                String name = javaClass.getSimpleName() + "." + field.getName();
                if (transition == null) {
                    assertThat(UPDATES_EVALUATIONS.matcher(sql).find())
                        .as(name + " updates evaluations without " + "declaring its moves with @Transition")
                        .isFalse();
                    continue;
                }
                assertThat(UPDATES_EVALUATIONS.matcher(sql).find()).as(name + " declares moves but updates nothing")
                    .isTrue();
                statements.add(new Statement(name, sql, states(transition.from()), states(transition.to()),
                        transition.perRow()));
            }
        }
        return statements;
    }

    private static Set<EvaluationState> states(EvaluationState[] states) {
        return (states.length == 0) ? EnumSet.noneOf(EvaluationState.class) : EnumSet.copyOf(Arrays.asList(states));
    }

    record Statement(String name, String sql, Set<EvaluationState> from, Set<EvaluationState> to, boolean perRow) {

        List<String> problems() {
            List<String> problems = new ArrayList<>();
            if (perRow) {
                String moves = EvaluationState.movesAsSqlRows(from, to);
                if (moves.isEmpty() || !sql.contains(moves)) {
                    problems.add(name + " chooses its target per row but does not move along the table's moves");
                }
            }
            else {
                for (EvaluationState source : from) {
                    for (EvaluationState target : to) {
                        if (!source.canMoveTo(target)) {
                            problems.add(name + " moves " + source + " -> " + target + ", which the table lacks");
                        }
                    }
                }
            }
            Matcher literals = STATE_LITERAL.matcher(sql);
            while (literals.find()) {
                String literal = literals.group(1);
                boolean isState = Arrays.stream(EvaluationState.values()).anyMatch((s) -> s.name().equals(literal));
                if (isState && !from.contains(EvaluationState.valueOf(literal))
                        && !to.contains(EvaluationState.valueOf(literal))) {
                    problems.add(name + " names " + literal + ", which its @Transition does not declare");
                }
            }
            return problems;
        }

    }

}
