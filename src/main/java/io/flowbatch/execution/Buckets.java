package io.flowbatch.execution;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * The Redis buffer: one set of evaluation ids per action, and a set naming the actions
 * that have one. Redis may lose all of it at any moment; PostgreSQL's BUFFERED rows are
 * the truth and the reconciler puts back what went missing. Sets make a re-push harmless.
 */
@Component
public class Buckets {

    static final String PREFIX = "flowbatch:bucket:";

    static final String INDEX = "flowbatch:buckets";

    private final StringRedisTemplate redis;

    Buckets(StringRedisTemplate redis) {
        this.redis = redis;
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    static String key(long actionId) {
        return PREFIX + actionId;
    }

    /** Adds ids to an action's bucket: one round trip. */
    public void push(long actionId, Collection<Long> ids) {
        if (!ids.isEmpty()) {
            push(Map.of(actionId, ids));
        }
    }

    /** Adds ids to several buckets: one pipelined round trip. */
    public void push(Map<Long, ? extends Collection<Long>> idsByAction) {
        if (idsByAction.isEmpty()) {
            return;
        }
        redis.executePipelined((RedisCallback<Object>) (connection) -> {
            idsByAction.forEach((actionId, ids) -> {
                if (!ids.isEmpty()) {
                    connection.setCommands()
                        .sAdd(bytes(key(actionId)),
                                ids.stream().map((id) -> bytes(id.toString())).toArray(byte[][]::new));
                    connection.setCommands().sAdd(bytes(INDEX), bytes(Long.toString(actionId)));
                }
            });
            return null;
        });
    }

    /**
     * Removes and returns up to {@code count} ids of an action's bucket: one round trip.
     */
    public List<Long> pop(long actionId, int count) {
        List<String> popped = redis.opsForSet().pop(key(actionId), count);
        List<Long> ids = new ArrayList<>((popped != null) ? popped.size() : 0);
        if (popped != null) {
            popped.forEach((id) -> ids.add(Long.parseLong(id)));
        }
        return ids;
    }

    public long size(long actionId) {
        Long size = redis.opsForSet().size(key(actionId));
        return (size != null) ? size : 0;
    }

    /**
     * Actions whose bucket holds ids, in id order, with how many: two round trips. Empty
     * buckets stay in the index: removing them would race with a concurrent push and hide
     * a bucket for a whole run.
     */
    public Map<Long, Long> depths() {
        Set<String> members = redis.opsForSet().members(INDEX);
        if (members == null || members.isEmpty()) {
            return Map.of();
        }
        Map<Long, Long> depths = new TreeMap<>();
        sizes(members.stream().map(Long::parseLong).toList()).forEach((action, size) -> {
            if (size > 0) {
                depths.put(action, size);
            }
        });
        return depths;
    }

    /** The depth of several buckets: one pipelined round trip. */
    public Map<Long, Long> sizes(List<Long> actionIds) {
        List<Object> sizes = redis.executePipelined((RedisCallback<Object>) (connection) -> {
            actionIds.forEach((action) -> connection.setCommands().sCard(bytes(key(action))));
            return null;
        });
        Map<Long, Long> byAction = new LinkedHashMap<>();
        for (int i = 0; i < actionIds.size(); i++) {
            byAction.put(actionIds.get(i), (Long) sizes.get(i));
        }
        return byAction;
    }

    /** Ids waiting in all buckets. */
    public long totalDepth() {
        Set<String> members = redis.opsForSet().members(INDEX);
        if (members == null || members.isEmpty()) {
            return 0;
        }
        return sizes(members.stream().map(Long::parseLong).toList()).values().stream().mapToLong(Long::longValue).sum();
    }

}
