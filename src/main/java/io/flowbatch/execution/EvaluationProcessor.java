package io.flowbatch.execution;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.flowbatch.delivery.MarketingSends;
import io.flowbatch.delivery.MessageFactory;
import io.flowbatch.delivery.OutgoingEmail;
import io.flowbatch.delivery.RenderedEmail;
import io.flowbatch.delivery.TemplateRef;
import io.flowbatch.delivery.TemplateSandbox;
import io.flowbatch.delivery.TemplateVariables;
import io.flowbatch.delivery.UnsubscribeLinks;
import io.flowbatch.evaluation.ClaimedEvaluation;
import io.flowbatch.evaluation.Outcome;
import io.flowbatch.system.Causes;
import io.flowbatch.system.EmailAddress;
import jakarta.mail.MessagingException;
import org.thymeleaf.exceptions.TemplateEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.listener.ChunkListener;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Decides each evaluation of a chunk and renders the ones to send. Everything it reads is
 * loaded once per chunk in {@link #beforeChunk}: the action's status and template, the
 * customers and events, the flow filter. An evaluation that must not be sent is filtered
 * (returned as null) with its reason recorded; a bad item never stops the others.
 */
class EvaluationProcessor
        implements ItemProcessor<ClaimedEvaluation, Delivery>, ChunkListener<ClaimedEvaluation, Delivery> {

    /**
     * A customer who no longer meets the flow's profile filter leaves the flow, as one
     * who did an exit metric does.
     */
    static final String PROFILE_FILTER_REASON = "profile filter: customer no longer meets it";

    static final String FLOW_ARCHIVED_REASON = "flow archived while its chunk ran";

    static final String STEP_REMOVED_REASON = "step removed from its flow while its chunk ran";

    private final long actionId;

    private final JsonMapper json;

    private final ChunkLoader loader;

    private final TemplateSandbox templates;

    private final MessageFactory messages;

    private final MarketingSends marketingSends;

    private final UnsubscribeLinks unsubscribeLinks;

    private final ChunkOutcomes outcomes;

    private final boolean compiledTemplates;

    private ChunkLoader.ActionSnapshot action;

    private Map<Long, ChunkLoader.Recipient> recipients = Map.of();

    private Map<Long, String> exited = Map.of();

    private Map<Long, MarketingSends.Refusal> marketingRefusals = Map.of();

    EvaluationProcessor(long actionId, ChunkLoader loader, TemplateSandbox templates, MessageFactory messages,
            MarketingSends marketingSends, UnsubscribeLinks unsubscribeLinks, ChunkOutcomes outcomes,
            boolean compiledTemplates, JsonMapper json) {
        this.json = json;
        this.marketingSends = marketingSends;
        this.actionId = actionId;
        this.loader = loader;
        this.templates = templates;
        this.messages = messages;
        this.unsubscribeLinks = unsubscribeLinks;
        this.outcomes = outcomes;
        this.compiledTemplates = compiledTemplates;
    }

    @Override
    public void beforeChunk(Chunk<ClaimedEvaluation> chunk) {
        List<ClaimedEvaluation> evaluations = chunk.getItems();
        action = loader.action(actionId);
        outcomes.chunkStarted();
        outcomes.relay(action.relay());
        outcomes.webhook(action.webhook());
        if (!"LIVE".equals(action.status()) || !"LIVE".equals(action.flowStatus()) || action.removed()) {
            recipients = Map.of();
            exited = Map.of();
            marketingRefusals = Map.of();
            return;
        }
        recipients = loader.recipients(evaluations, action.profileFilter());
        exited = loader.exited(evaluations, action.exitMetrics());
        marketingRefusals = (action.webhook() != null) ? Map.of() : reserveMarketing(evaluations);
    }

    /**
     * A marketing chunk reserves the customers it is about to send to, in one statement
     * committed before it sends; those smart sending or a frequency cap holds back are
     * skipped, or deferred until the cap allows. A transactional chunk reserves nothing.
     */
    private Map<Long, MarketingSends.Refusal> reserveMarketing(List<ClaimedEvaluation> evaluations) {
        if (action.transactional()) {
            return Map.of();
        }
        List<MarketingSends.Candidate> candidates = new ArrayList<>();
        for (ClaimedEvaluation evaluation : evaluations) {
            if (reasonNotToSend(evaluation, recipients.get(evaluation.id())) == null) {
                candidates.add(new MarketingSends.Candidate(evaluation.id(), evaluation.customerId()));
            }
        }
        Map<Long, MarketingSends.Refusal> refusals = marketingSends.reserve(actionId, action.smartSending(),
                action.deferOnCap(), candidates);
        candidates.stream()
            .filter((candidate) -> !refusals.containsKey(candidate.evaluationId()))
            .forEach((candidate) -> outcomes.reserved(candidate.evaluationId(), candidate.customerId()));
        return refusals;
    }

    @Override
    public Delivery process(ClaimedEvaluation evaluation) {
        if ("ARCHIVED".equals(action.flowStatus())) {
            // Archived while this chunk was on its way: its pending rows were cancelled.
            outcomes.add(Outcome.skipped(evaluation.id(), FLOW_ARCHIVED_REASON, false));
            return null;
        }
        if (action.removed()) {
            outcomes.add(Outcome.skipped(evaluation.id(), STEP_REMOVED_REASON, false));
            return null;
        }
        if (!"LIVE".equals(action.flowStatus())) {
            outcomes
                .add(Outcome.released(evaluation.id(), "flow is " + action.flowStatus() + "; waits until it is live"));
            return null;
        }
        switch (action.status()) {
            case "LIVE" -> {
                return (action.webhook() != null) ? call(evaluation) : decide(evaluation);
            }
            case "DRAFT" -> outcomes.add(Outcome.skipped(evaluation.id(), "action is a draft", true));
            default -> outcomes
                .add(Outcome.released(evaluation.id(), "action is " + action.status() + "; waits until it is live"));
        }
        return null;
    }

    private Delivery decide(ClaimedEvaluation evaluation) {
        ChunkLoader.Recipient recipient = recipients.get(evaluation.id());
        String skip = reasonNotToSend(evaluation, recipient);
        MarketingSends.Refusal refusal = marketingRefusals.get(evaluation.id());
        if (skip == null && refusal != null) {
            if (refusal.deferred()) {
                outcomes.add(Outcome.deferred(evaluation.id(), refusal.reason(), refusal.deferUntil()));
                return null;
            }
            skip = refusal.reason();
        }
        if (skip != null) {
            outcomes.add(Outcome.skipped(evaluation.id(), skip, false));
            return null;
        }
        String unsubscribeUrl = unsubscribeLinks.url(evaluation.customerId());
        RenderedEmail rendered;
        try {
            TemplateVariables variables = TemplateVariables.of(recipient.email(), recipient.firstName(),
                    recipient.lastName(), recipient.properties(), recipient.eventProperties(), unsubscribeUrl);
            // The per-item baseline parses the template for every evaluation, as the
            // unbatched pipeline did.
            rendered = compiledTemplates ? templates.render(action.template(), action.content(), variables)
                    : templates.render(action.content(), variables);
        }
        catch (TemplateEngineException ex) {
            outcomes.add(Outcome.skipped(evaluation.id(), "template did not render: " + rootMessage(ex), true));
            return null;
        }
        try {
            // A transactional email is not one the customer can unsubscribe from: no
            // List-Unsubscribe headers (the template may still link the page).
            OutgoingEmail email = new OutgoingEmail(evaluation.id(), recipient.email(), recipient.fullName(),
                    action.content().from(), action.transactional() ? null : unsubscribeUrl);
            return new Delivery(evaluation, recipient.email(), messages.messageId(evaluation.id()),
                    messages.build(email, rendered));
        }
        catch (MessagingException ex) {
            outcomes.add(Outcome.skipped(evaluation.id(), "message could not be built: " + ex.getMessage(), false));
            return null;
        }
    }

    /**
     * A webhook step: the flow's filters hold as for an email; consent and suppression,
     * which are the email address's, do not (an SMS gateway or a CRM is not an email).
     * The body must render to JSON.
     */
    private Delivery call(ClaimedEvaluation evaluation) {
        ChunkLoader.Recipient recipient = recipients.get(evaluation.id());
        String skip = (recipient == null) ? "customer " + evaluation.customerId() + " no longer exists"
                : flowFilterReason(evaluation, recipient);
        if (skip != null) {
            outcomes.add(Outcome.skipped(evaluation.id(), skip, false));
            return null;
        }
        String body;
        try {
            body = templates.renderWebhookBody(new TemplateRef(action.id(), 1), action.webhook().body(),
                    TemplateVariables.of(recipient.email(), recipient.firstName(), recipient.lastName(),
                            recipient.properties(), recipient.eventProperties(),
                            unsubscribeLinks.url(evaluation.customerId())));
            json.readTree(body);
        }
        catch (TemplateEngineException | JacksonException ex) {
            outcomes
                .add(Outcome.skipped(evaluation.id(), "webhook body did not render to JSON: " + rootMessage(ex), true));
            return null;
        }
        return new Delivery(evaluation, action.webhook().url(), "webhook-" + evaluation.id(), null, body);
    }

    private String reasonNotToSend(ClaimedEvaluation evaluation, ChunkLoader.Recipient recipient) {
        if (recipient == null) {
            return "customer " + evaluation.customerId() + " no longer exists";
        }
        // Suppression first: it holds for every email, and says more (a complaint both
        // suppresses and unsubscribes).
        if (recipient.suppressed()) {
            return "customer suppressed: " + recipient.suppressionReason();
        }
        if (!recipient.subscribed() && !action.transactional()) {
            return "customer unsubscribed";
        }
        if (recipient.email() == null || !EmailAddress.Validator.isValid(recipient.email())) {
            return "invalid email address: " + recipient.email();
        }
        return flowFilterReason(evaluation, recipient);
    }

    private String flowFilterReason(ClaimedEvaluation evaluation, ChunkLoader.Recipient recipient) {
        String exitMetric = exited.get(evaluation.id());
        if (exitMetric != null) {
            return "flow filter: customer did '" + exitMetric + "' since the flow started";
        }
        if (!recipient.profileMet()) {
            return PROFILE_FILTER_REASON;
        }
        return null;
    }

    private static String rootMessage(Throwable ex) {
        Throwable root = Causes.root(ex);
        String message = (root.getMessage() != null) ? root.getMessage() : root.getClass().getSimpleName();
        return (message.length() > 300) ? message.substring(0, 300) : message;
    }

}
