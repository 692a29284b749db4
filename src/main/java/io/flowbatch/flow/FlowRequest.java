package io.flowbatch.flow;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;

import io.flowbatch.system.TextRules;
import tools.jackson.databind.JsonNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/flows}: a flow, its trigger, its filters, and either its actions in
 * order (each waits its delay, then sends) or its steps as a graph.
 *
 * @param status {@code LIVE} (the default) or {@code DRAFT}
 * @param profileFilter a condition every customer must meet before each send, or null
 * @param actions the linear form: one email action after another
 * @param steps the graph form: the first step is the entry
 * @param version {@code PUT /api/flows/{id}}: the version this edit was made from (a
 * stale one is a conflict); absent when creating
 * @param rescheduleWaiting {@code PUT}: whether evaluations already waiting at a step
 * whose delay changed move by the change (false when absent)
 */
public record FlowRequest(@NotBlank @Size(max = 200) @Pattern(
        regexp = TextRules.NO_CONTROL_CHARACTERS, message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String name,
        @NotNull @Valid Trigger trigger,
        @Size(max = 20) List<@NotBlank @Size(max = 200) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
                message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String> exitMetrics,
        FlowStatus status, JsonNode profileFilter, @Size(max = 50) List<@NotNull @Valid ActionRequest> actions,
        @Size(max = 100) List<@NotNull @Valid StepRequest> steps, Integer version, Boolean rescheduleWaiting) {

    /** A linear flow without filters. */
    public FlowRequest(String name, Trigger trigger, List<String> exitMetrics, FlowStatus status,
            List<ActionRequest> actions) {
        this(name, trigger, exitMetrics, status, null, actions, null);
    }

    /** A flow to create. */
    public FlowRequest(String name, Trigger trigger, List<String> exitMetrics, FlowStatus status,
            JsonNode profileFilter, List<ActionRequest> actions, List<StepRequest> steps) {
        this(name, trigger, exitMetrics, status, profileFilter, actions, steps, null, null);
    }

    /**
     * The metric whose events start the flow.
     *
     * @param filter a condition on the triggering event (and its customer) that an event
     * must meet to start the flow, or null
     */
    public record Trigger(@NotBlank @Size(max = 200) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
            message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String metric, JsonNode filter) {

        public Trigger(String metric) {
            this(metric, null);
        }

    }

    /**
     * One step of the graph form. Which fields it takes depends on its {@code type}:
     * {@code delay} (delay, at, next), {@code email} (status, email and the action
     * controls, next), {@code webhook} (status, url, body, batch, next), {@code split}
     * (condition, yes, no) and {@code random} (branches). {@code yes}, {@code no} and
     * each branch's {@code next} are JSON so that an explicit {@code null}, which ends
     * the path, differs from a missing branch.
     *
     * @param status an email or webhook step's status; {@code LIVE} when absent
     * @param batch whether a webhook's endpoint takes a whole chunk in one request
     */
    public record StepRequest(
            @NotBlank @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9_-]+",
                    message = "must be letters, digits, '_' and '-'") String id,
            @NotBlank String type, @Size(max = 64) String next, Duration delay, LocalTime at, ActionStatus status,
            @Valid Email email, ActionKind kind, Boolean smartSending, OnCap onCap, @Valid SendWindow sendWindow,
            @Size(max = 100) String relay, JsonNode condition, JsonNode yes, JsonNode no,
            @Size(max = 10) List<@NotNull @Valid Branch> branches, @Size(max = 2000) String url,
            @Size(max = 65_536) String body, Boolean batch) {

    }

    /** A branch of a random split: this share of customers goes to {@code next}. */
    public record Branch(@NotNull Integer percent, JsonNode next) {
    }

    /**
     * One step: wait {@code delay}, then send {@code email}.
     *
     * @param kind {@code MARKETING} (when absent) or {@code TRANSACTIONAL}
     * @param smartSending whether a marketing action skips customers sent a marketing
     * email within {@code flowbatch.delivery.smart-sending-window}: true when absent; a
     * transactional action passes no marketing control
     * @param onCap what a marketing action does with a customer that
     * {@code flowbatch.delivery.frequency-caps} holds back: {@code SKIP} (when absent) or
     * {@code DEFER}
     * @param sendWindow when a marketing action may send, on the customer's clock; any
     * time when absent
     * @param at the delay ends at the first time after it that the customer's clock reads
     * this; the delay alone when absent
     * @param relay the {@code flowbatch.relays.<name>} its mail leaves through; the
     * {@code spring.mail.*} relay when absent
     */
    public record ActionRequest(@NotNull Duration delay, @NotNull ActionStatus status, @NotNull @Valid Email email,
            ActionKind kind, Boolean smartSending, OnCap onCap, @Valid SendWindow sendWindow, LocalTime at,
            @Size(max = 100) String relay) {

        /** A marketing action with smart sending. */
        public ActionRequest(Duration delay, ActionStatus status, Email email) {
            this(delay, status, email, null, null);
        }

        /** An action of this kind, without a send window or a local time. */
        public ActionRequest(Duration delay, ActionStatus status, Email email, ActionKind kind, Boolean smartSending) {
            this(delay, status, email, kind, smartSending, null, null, null, null);
        }

        /** An action with these controls, through the default relay. */
        public ActionRequest(Duration delay, ActionStatus status, Email email, ActionKind kind, Boolean smartSending,
                OnCap onCap, SendWindow sendWindow, LocalTime at) {
            this(delay, status, email, kind, smartSending, onCap, sendWindow, at, null);
        }

        public OnCap onCapOrDefault() {
            return (onCap != null) ? onCap : OnCap.SKIP;
        }

        public ActionKind kindOrDefault() {
            return (kind != null) ? kind : ActionKind.MARKETING;
        }

        public boolean smartSendingOrDefault() {
            return kindOrDefault() == ActionKind.MARKETING && (smartSending == null || smartSending);
        }

    }

    /** The email template of an action. */
    public record Email(@NotBlank @Size(max = 320) String from, @NotBlank @Size(max = 500) String subject,
            @NotBlank @Size(max = 262_144) String html, @Size(max = 262_144) String text) {
    }

}
