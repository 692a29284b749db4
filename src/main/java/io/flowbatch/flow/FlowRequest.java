package io.flowbatch.flow;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;

import io.flowbatch.system.TextRules;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/flows}: a flow, its trigger, its exit metrics and its actions in
 * order.
 *
 * @param status {@code LIVE} (the default) or {@code DRAFT}
 */
public record FlowRequest(@NotBlank @Size(max = 200) @Pattern(
        regexp = TextRules.NO_CONTROL_CHARACTERS, message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String name,
        @NotNull @Valid Trigger trigger,
        @Size(max = 20) List<@NotBlank @Size(max = 200) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
                message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String> exitMetrics,
        FlowStatus status, @NotEmpty @Size(max = 50) List<@NotNull @Valid ActionRequest> actions) {

    /** The metric whose events start the flow. */
    public record Trigger(@NotBlank @Size(max = 200) @Pattern(regexp = TextRules.NO_CONTROL_CHARACTERS,
            message = TextRules.NO_CONTROL_CHARACTERS_MESSAGE) String metric) {
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
