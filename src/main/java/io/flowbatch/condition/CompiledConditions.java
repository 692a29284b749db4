package io.flowbatch.condition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.flowbatch.system.FieldProblem;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

/**
 * Stored conditions compiled once: a flow's conditions are kept as the JSON the API took,
 * and each statement that uses one asks here for its predicate in its own scope. The same
 * text in the same scope compiles to the same predicate, so the cache is keyed by both;
 * it holds the conditions of the flows in use and forgets the least recently used beyond
 * {@link #CAPACITY}.
 */
@Component
public class CompiledConditions {

    static final int CAPACITY = 2_000;

    private final JsonMapper json;

    private final Map<Key, ConditionSql.Predicate> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, ConditionSql.Predicate> eldest) {
            return size() > CAPACITY;
        }
    };

    CompiledConditions(JsonMapper json) {
        this.json = json;
    }

    /**
     * The predicate of a stored condition; {@link ConditionSql.Predicate#ALWAYS} for
     * none.
     */
    public ConditionSql.Predicate predicate(String conditionJson, ConditionSql.Scope scope) {
        if (conditionJson == null) {
            return ConditionSql.Predicate.ALWAYS;
        }
        Key key = new Key(conditionJson, scope);
        synchronized (cache) {
            ConditionSql.Predicate cached = cache.get(key);
            if (cached != null) {
                return cached;
            }
        }
        List<FieldProblem> problems = new ArrayList<>();
        Condition condition = ConditionParser.parse(json.readTree(conditionJson), "condition", problems);
        if (condition == null) {
            // Conditions are checked before they are stored: this one was changed behind
            // the API's back.
            throw new IllegalStateException("A stored condition does not read: " + problems);
        }
        ConditionSql.Predicate predicate = ConditionSql.compile(condition, scope);
        synchronized (cache) {
            cache.put(key, predicate);
        }
        return predicate;
    }

    private record Key(String json, ConditionSql.Scope scope) {
    }

}
