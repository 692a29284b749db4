package io.flowbatch.condition;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestData;
import io.flowbatch.system.FieldProblem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The condition language run on PostgreSQL: what each operator means over customers and
 * events of every shape, and a corpus of hostile conditions (in
 * {@code src/test/resources/conditions}) each of which is either refused with a problem
 * naming its field, or compiles and matches exactly what its literal values say, with
 * every table intact.
 */
@FlowbatchTest
class ConditionSqlTest {

    /** Flows started three hours ago; now is the database's. */
    static final ConditionSql.Scope SCOPE = new ConditionSql.Scope("c", "ev", "(now() - interval '3 hours')", "now()",
            "q");

    @Autowired
    TestData data;

    @Autowired
    JsonMapper json;

    @BeforeEach
    void customersOfEveryShape() {
        data.reset();
        customer("ann", "Ann", "Europe/Paris", """
                {"tier": "gold", "n": 5, "s": "7", "tags": ["vip", "eu"], "since": "2026-01-10",
                 "bio": "Loves Red Shoes", "address": {"city": "Lyon"}, "flag": true}""");
        customer("bob", "Bob", null, """
                {"tier": "silver", "n": 50.5, "s": "seven", "tags": [1, 2], "since": "2026-02-30", "bio": null}""");
        customer("cat", null, null, "{}");
        customer("gold", "Gold", null, """
                {"tier": "gold", "n": 5}""");
        customer("big", "Big", null, """
                {"n": 999999999999999}""");
        customer("literal", "$$; DROP TABLE customer; $$", null, """
                {"a'b": "x", "{a,b}": 1, "a\\"]}": "x", "**": true, "$": "x"}""");
        event("ann", "Viewed", Duration.ofDays(40), "{\"sku\": \"A1\"}");
        event("ann", "Viewed", Duration.ofDays(1), "{\"sku\": \"B2\"}");
        event("ann", "Viewed", Duration.ofHours(1), "{\"sku\": \"B2\"}");
        event("bob", "Viewed", Duration.ofHours(1), "{\"sku\": \"A1\"}");
        event("bob", "Placed Order", Duration.ofHours(2), "{}");
        event("cat", "Placed Order", Duration.ofHours(5), "{}");
    }

    static Stream<Arguments> meanings() {
        return Stream.of(Arguments.of("""
                {"property": "customer.properties.tier", "op": "eq", "value": "gold"}""", "ann gold"), Arguments.of("""
                {"property": "customer.properties.tier", "op": "ne", "value": "gold"}""", "big bob cat literal"),
                Arguments.of("""
                        {"property": "customer.properties.tier", "op": "in", "value": ["silver", "bronze"]}""", "bob"),
                Arguments.of("""
                        {"property": "customer.properties.n", "op": "in", "value": [5, 6]}""", "ann gold"),
                Arguments.of("""
                        {"property": "customer.properties.n", "op": "eq", "value": 5.0}""", "ann gold"),
                Arguments.of("""
                        {"property": "customer.properties.s", "op": "eq", "value": 7}""", "ann"), Arguments.of("""
                        {"property": "customer.properties.n", "op": "gt", "value": 5}""", "big bob"), Arguments.of("""
                        {"property": "customer.properties.n", "op": "gte", "value": 5}""", "ann big bob gold"),
                Arguments.of("""
                        {"property": "customer.properties.s", "op": "lt", "value": 10}""", "ann"), Arguments.of("""
                        {"property": "customer.properties.n", "op": "lte", "value": 50.5}""", "ann bob gold"),
                Arguments.of("""
                        {"property": "customer.properties.bio", "op": "contains", "value": "red shoes"}""", "ann"),
                Arguments.of("""
                        {"property": "customer.properties.tags", "op": "contains", "value": "vip"}""", "ann"),
                Arguments.of("""
                        {"property": "customer.properties.tags", "op": "contains", "value": 2}""", "bob"),
                Arguments.of("""
                        {"property": "customer.properties.bio", "op": "exists"}""", "ann"),
                Arguments.of("""
                        {"property": "customer.properties.bio", "op": "exists", "value": false}""",
                        "big bob cat gold literal"),
                Arguments.of("""
                        {"property": "customer.properties.address.city", "op": "eq", "value": "Lyon"}""", "ann"),
                Arguments.of("""
                        {"property": "customer.properties.flag", "op": "eq", "value": true}""", "ann"), Arguments.of("""
                        {"property": "customer.properties.since", "op": "before", "value": "2026-01-11"}""", "ann"),
                Arguments.of("""
                        {"property": "customer.properties.since", "op": "after", "value": "2026-01-09T00:00:00Z"}""",
                        "ann"),
                Arguments.of("""
                        {"property": "customer.properties.since", "op": "before", "value": "P1D"}""", "ann"),
                Arguments.of("""
                        {"property": "customer.firstName", "op": "eq", "value": "Ann"}""", "ann"),
                Arguments.of("""
                        {"property": "customer.email", "op": "contains", "value": "@EXAMPLE"}""",
                        "ann big bob cat gold literal"),
                Arguments.of("""
                        {"property": "customer.timezone", "op": "exists"}""", "ann"), Arguments.of("""
                        {"property": "customer.firstName", "op": "ne", "value": "Ann"}""", "big bob cat gold literal"),
                Arguments.of("""
                        {"metric": "Viewed"}""", "ann bob"), Arguments.of("""
                        {"metric": "Viewed", "done": false}""", "big cat gold literal"), Arguments.of("""
                        {"metric": "Viewed", "atLeast": 3}""", "ann"), Arguments.of("""
                        {"metric": "Viewed", "atLeast": 3, "since": "P30D"}""", ""), Arguments.of("""
                        {"metric": "Viewed", "atLeast": 2, "since": "P30D"}""", "ann"), Arguments.of("""
                        {"metric": "Placed Order", "since": "flowStart"}""", "bob"), Arguments.of("""
                        {"metric": "Viewed", "where": {"property": "event.properties.sku", "op": "eq", "value": "A1"},
                         "since": "PT2H"}""", "bob"), Arguments.of("""
                        {"metric": "Viewed", "atLeast": 2,
                         "where": {"property": "event.properties.sku", "op": "eq", "value": "B2"}}""", "ann"),
                Arguments.of("""
                        {"all": [{"property": "customer.properties.tier", "op": "eq", "value": "gold"},
                                 {"not": {"metric": "Viewed"}}]}""", "gold"), Arguments.of("""
                        {"any": [{"property": "customer.properties.tier", "op": "eq", "value": "silver"},
                                 {"property": "customer.properties.n", "op": "gt", "value": 1000}]}""", "big bob"),
                Arguments.of("""
                        {"not": {"property": "customer.properties.missing", "op": "eq", "value": "x"}}""",
                        "ann big bob cat gold literal"),
                Arguments.of("""
                        {"property": "event.properties.sku", "op": "exists"}""", ""));
    }

    @ParameterizedTest
    @MethodSource("meanings")
    void eachOperatorMeansWhatTheReadmeSays(String condition, String expected) {
        assertThat(matches(json.readTree(condition))).as(condition).isEqualTo(names(expected));
    }

    /**
     * Customer data the readings cannot take (an offset PostgreSQL refuses, a date that
     * does not exist, digits behind a Unicode space, a number too long) reads as no
     * value: never an error that would fail the statement of a whole chunk.
     */
    @Test
    void dataThatIsNoNumberOrInstantReadsAsNoValueNotAsAnError() {
        customer("odd", "Odd", null, """
                {"since": "2024-01-01T10:00+16", "other": "2024-13-45T99:99:99Z", "s": "\u20037",
                 "n": "12345678901234567890123456789012345678901234567890", "t": 1e300}""");
        for (String condition : List.of("""
                {"property": "customer.properties.since", "op": "before", "value": "P1D"}""", """
                {"property": "customer.properties.other", "op": "after", "value": "2000-01-01"}""", """
                {"property": "customer.properties.s", "op": "lt", "value": 10}""", """
                {"property": "customer.properties.n", "op": "gt", "value": 0}""", """
                {"property": "customer.properties.t", "op": "before", "value": "P1D"}""")) {
            assertThat(matches(json.readTree(condition))).as(condition).doesNotContain("odd");
        }
    }

    @Test
    void aHostileConditionIsRefusedNamingItsFieldOrMatchesOnlyWhatItLiterallySays() throws IOException {
        JsonNode corpus;
        try (InputStream in = getClass().getResourceAsStream("/conditions/hostile-conditions.json")) {
            corpus = json.readTree(in);
        }
        Map<String, Long> before = data.counts();
        int refused = 0;
        int inert = 0;
        for (JsonNode entry : corpus) {
            String name = entry.get("name").stringValue();
            List<FieldProblem> problems = new ArrayList<>();
            Condition condition = ConditionParser.parse(entry.get("condition"), "filter", problems);
            if ("refused".equals(entry.get("expect").stringValue())) {
                assertThat(condition).as(name).isNull();
                assertThat(problems).as(name).isNotEmpty().allMatch((p) -> p.field().startsWith("filter"));
                refused++;
            }
            else {
                assertThat(problems).as(name).isEmpty();
                TreeSet<String> expected = new TreeSet<>();
                entry.get("matches").forEach((match) -> expected.add(match.stringValue()));
                assertThat(matches(entry.get("condition"))).as(name).isEqualTo(expected);
                assertThat(ConditionSql.compile(condition, SCOPE).sql()).as(name)
                    .doesNotContain("DROP", "DELETE", "--", "$$", "'1'");
                inert++;
            }
        }
        System.out.printf("Hostile conditions: %d refused, %d inert%n", refused, inert);
        assertThat(data.counts()).isEqualTo(before);
        assertThat(refused + inert).isEqualTo(corpus.size());
    }

    private TreeSet<String> matches(JsonNode node) {
        List<FieldProblem> problems = new ArrayList<>();
        Condition condition = ConditionParser.parse(node, "filter", problems);
        assertThat(problems).isEmpty();
        ConditionSql.Predicate predicate = ConditionSql.compile(condition, SCOPE);
        List<String> emails = data.jdbc()
            .sql("SELECT split_part(c.email, '@', 1) FROM customer c LEFT JOIN event ev ON false WHERE "
                    + predicate.sql())
            .params(predicate.params())
            .query(String.class)
            .list();
        return new TreeSet<>(emails);
    }

    private static TreeSet<String> names(String names) {
        return new TreeSet<>(names.isBlank() ? List.of() : List.of(names.split(" ")));
    }

    private void customer(String name, String firstName, String zone, String properties) {
        data.jdbc()
            .sql("INSERT INTO customer (email, first_name, timezone, properties) VALUES (?, ?, ?, ?::jsonb)")
            .params(name + "@example.com", firstName, zone, properties)
            .update();
    }

    private void event(String customer, String metric, Duration ago, String properties) {
        data.jdbc()
            .sql("""
                    INSERT INTO event (customer_id, metric, properties, occurred_at)
                    SELECT id, ?, ?::jsonb, ? FROM customer WHERE email = ?""")
            .params(metric, properties, OffsetDateTime.ofInstant(Instant.now().minus(ago), ZoneOffset.UTC),
                    customer + "@example.com")
            .update();
    }

}
