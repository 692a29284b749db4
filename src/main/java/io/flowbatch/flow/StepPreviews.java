package io.flowbatch.flow;

import java.util.List;
import java.util.Map;

import io.flowbatch.delivery.RenderedEmail;
import io.flowbatch.delivery.TemplateRef;
import io.flowbatch.delivery.TemplateSandbox;
import io.flowbatch.delivery.TemplateVariables;
import io.flowbatch.delivery.UnsubscribeLinks;
import io.flowbatch.intake.CustomerProfiles;
import io.flowbatch.system.FieldProblem;
import io.flowbatch.system.InvalidRequestException;
import io.flowbatch.system.NotFoundException;
import io.flowbatch.system.RequestValidator;
import org.thymeleaf.exceptions.TemplateEngineException;

import org.springframework.stereotype.Service;

/**
 * Renders a step for one customer through the same sandbox and the same compiled template
 * as the job, and sends nothing: no evaluation, no reservation, no message.
 */
@Service
public class StepPreviews {

    private final FlowRepository flows;

    private final CustomerProfiles customers;

    private final TemplateSandbox templates;

    private final UnsubscribeLinks unsubscribeLinks;

    private final RequestValidator validator;

    StepPreviews(FlowRepository flows, CustomerProfiles customers, TemplateSandbox templates,
            UnsubscribeLinks unsubscribeLinks, RequestValidator validator) {
        this.flows = flows;
        this.customers = customers;
        this.templates = templates;
        this.unsubscribeLinks = unsubscribeLinks;
        this.validator = validator;
    }

    public StepPreviewed preview(long flowId, String stepId, PreviewRequest request) {
        validator.validate(request);
        FlowRepository.StepContent step = flows.findStepContent(flowId, stepId)
            .orElseThrow(() -> new NotFoundException("Flow " + flowId + " has no step '" + stepId + "'"));
        if (step.type() != StepType.EMAIL && step.type() != StepType.WEBHOOK) {
            throw problem("stepId",
                    "a " + step.type().apiName() + " step renders nothing; preview an email or webhook step");
        }
        if ((request.email() == null) == (request.customer() == null)) {
            throw problem("email", "give either email (a stored customer) or customer (sample data)");
        }
        TemplateVariables variables;
        if (request.email() != null) {
            CustomerProfiles.Profile profile = customers.find(request.email(), step.triggerMetric())
                .orElseThrow(() -> new NotFoundException("No customer with email " + request.email()));
            variables = TemplateVariables.of(profile.email(), profile.firstName(), profile.lastName(),
                    profile.properties(),
                    (request.eventProperties() != null) ? request.eventProperties() : profile.eventProperties(),
                    // Never a working link: a preview is shown to people who are not the
                    // customer, and the link unsubscribes without a login.
                    unsubscribeLinks.previewUrl());
        }
        else {
            PreviewRequest.Sample sample = request.customer();
            variables = TemplateVariables.of(sample.email(), sample.firstName(), sample.lastName(),
                    (sample.properties() != null) ? sample.properties() : Map.of(),
                    (request.eventProperties() != null) ? request.eventProperties() : Map.of(),
                    unsubscribeLinks.previewUrl());
        }
        try {
            if (step.type() == StepType.WEBHOOK) {
                return new StepPreviewed(null, null, null, templates
                    .renderWebhookBody(new TemplateRef(step.actionId(), 1), step.webhookBody(), variables));
            }
            RenderedEmail email = templates.render(step.template(), step.email(), variables);
            return new StepPreviewed(email.subject(), email.html(), email.text(), null);
        }
        catch (TemplateEngineException ex) {
            throw problem("template", "does not render for this customer: " + ex.getMessage());
        }
    }

    private static InvalidRequestException problem(String field, String message) {
        return new InvalidRequestException(List.of(new FieldProblem(field, message)));
    }

}
