package io.flowbatch.deliverability;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.flowbatch.delivery.MessagesRefused;
import io.flowbatch.evaluation.EvaluationState;
import io.flowbatch.evaluation.Feedback;
import io.flowbatch.intake.Subscriptions;
import io.flowbatch.intake.Suppressions;
import io.flowbatch.system.FieldProblem;
import io.flowbatch.system.InvalidRequestException;
import io.flowbatch.system.NotFoundException;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * What a bounce or a complaint does, once: a hard bounce suppresses the address and moves
 * the message's evaluation to BOUNCED; a complaint suppresses and unsubscribes, and moves
 * it to COMPLAINED; a soft bounce is recorded, and {@code soft-bounce-threshold} of them
 * within {@code soft-bounce-window} suppress the address for
 * {@code soft-bounce-suppression}. A hard bounce or complaint about a message then counts
 * for the reputation guard of its action. The same report again changes nothing.
 */
@Service
public class Bounces {

    /** The Message-IDs flowbatch makes: {@code <evaluation-{id}@{domain}>}. */
    private static final Pattern MESSAGE_ID = Pattern.compile("<?evaluation-(\\d{1,18})@([^<>\\s]+)>?");

    /** The source of refusals the relay gave while a message was being sent. */
    static final String REFUSED_SOURCE = "relay-reply";

    private final Feedback feedback;

    private final Suppressions suppressions;

    private final Subscriptions subscriptions;

    private final DeliveryEvents events;

    private final ReputationGuard guard;

    private final DeliverabilityProperties properties;

    private final Clock clock;

    Bounces(Feedback feedback, Suppressions suppressions, Subscriptions subscriptions, DeliveryEvents events,
            ReputationGuard guard, DeliverabilityProperties properties, Clock clock) {
        this.feedback = feedback;
        this.suppressions = suppressions;
        this.subscriptions = subscriptions;
        this.events = events;
        this.guard = guard;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * What a report did.
     *
     * @param paused why the reputation guard paused the message's action upon it, or null
     */
    public record Applied(String outcome, BounceType type, Long evaluationId, String email, boolean suppressed,
            EvaluationState state, String paused) {

        Applied(String outcome, BounceType type, Long evaluationId, String email, boolean suppressed,
                EvaluationState state) {
            this(outcome, type, evaluationId, email, suppressed, state, null);
        }

        Applied paused(String reason) {
            return new Applied(outcome, type, evaluationId, email, suppressed, state, reason);
        }

    }

    /**
     * A report that came back to an evaluation's return path: applied to its message, or,
     * when flowbatch sent no message for it, kept as rejected.
     */
    @Transactional
    public Applied report(long evaluationId, BounceType type, String diagnostic, String source) {
        Feedback.SentMessage message = feedback.sentMessage(evaluationId).orElse(null);
        if (message == null) {
            events.reject("no message was sent for evaluation " + evaluationId, null, diagnostic, source);
            return new Applied("REJECTED", type, evaluationId, null, false, null);
        }
        return apply(type, message, message.recipient(), diagnostic, source);
    }

    /** Applies the report in one transaction, or nothing of it. */
    @Transactional
    public Applied report(BounceRequest request, String source) {
        if ((request.messageId() == null) == (request.email() == null)) {
            throw new InvalidRequestException(
                    List.of(new FieldProblem("messageId", "give a messageId or an email, not both"),
                            new FieldProblem("email", "give a messageId or an email, not both")));
        }
        Feedback.SentMessage message = (request.messageId() != null) ? message(request.messageId()) : null;
        String email = (message != null) ? message.recipient() : address(request.email());
        return apply(request.type(), message, email, diagnostic(request.diagnostic()), source);
    }

    /**
     * An event a provider's webhook reported: applied to the message its Message-ID names
     * when flowbatch sent it, else to the address; one that names neither is kept as
     * rejected.
     */
    @Transactional
    public Applied report(ProviderEvent event, String source) {
        if (event.type() == null) {
            return new Applied("IGNORED", null, null, event.email(), false, null);
        }
        Feedback.SentMessage message = (event.messageId() != null) ? find(event.messageId()).orElse(null) : null;
        String email = (message != null) ? message.recipient() : address(event.email());
        String diagnostic = diagnostic(event.diagnostic());
        if (email == null) {
            events.reject("names no message flowbatch sent and no address", null, diagnostic, source);
            return new Applied("REJECTED", event.type(), null, null, false, null);
        }
        return apply(event.type(), message, email, diagnostic, source);
    }

    /**
     * A message the relay refused for good while it was being sent: its evaluation stays
     * FAILED, but a reply that blames the recipient's address suppresses it as a hard
     * bounce would (and counts for the guard). Any other refusal (a policy or content
     * block, a refused sender) is the relay's verdict on the message or the sender, not
     * on the address, and changes nothing here. In a transaction of its own: it runs
     * after the chunk's has committed.
     */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public Applied refused(long actionId, MessagesRefused.Refused refusal) {
        BounceReports.Report report = BounceReports.ofReply(String.valueOf(refusal.reply()));
        String email = address(refusal.recipient());
        if (report.type() != BounceType.HARD || email == null) {
            return new Applied("IGNORED", null, refusal.evaluationId(), email, false, null);
        }
        String diagnostic = diagnostic(refusal.reply());
        if (!events.record(BounceType.HARD, refusal.evaluationId(), email, diagnostic, REFUSED_SOURCE)) {
            return new Applied("DUPLICATE", BounceType.HARD, refusal.evaluationId(), email, false, null);
        }
        suppressions.suppress(email, "hard bounce: " + diagnostic);
        return new Applied("APPLIED", BounceType.HARD, refusal.evaluationId(), email, true, null)
            .paused(guard.received(actionId, BounceType.HARD));
    }

    private Applied apply(BounceType type, Feedback.SentMessage message, String email, String diagnostic,
            String source) {
        Long evaluationId = (message != null) ? message.evaluationId() : null;
        if (!events.record(type, evaluationId, email, diagnostic, source)) {
            return new Applied("DUPLICATE", type, evaluationId, email, false, null);
        }
        String said = (diagnostic != null) ? ": " + diagnostic : "";
        Applied applied = switch (type) {
            case HARD -> {
                suppressions.suppress(email, "hard bounce" + said);
                yield applied(type, message, email, EvaluationState.BOUNCED, "bounced" + said);
            }
            case COMPLAINT -> {
                suppressions.suppress(email, "complaint" + said);
                if (message != null) {
                    subscriptions.unsubscribe(message.customerId());
                }
                else {
                    subscriptions.unsubscribe(email);
                }
                yield applied(type, message, email, EvaluationState.COMPLAINED, "complained about" + said);
            }
            case SOFT -> softBounce(email, evaluationId, said);
        };
        return (message != null) ? applied.paused(guard.received(message.actionId(), type)) : applied;
    }

    private Applied softBounce(String email, Long evaluationId, String said) {
        Instant now = clock.instant();
        long count = events.softBounces(email, now.minus(properties.softBounceWindow()));
        boolean suppress = count >= properties.softBounceThreshold();
        if (suppress) {
            suppressions.suppress(email, count + " soft bounces within " + properties.softBounceWindow() + said,
                    now.plus(properties.softBounceSuppression()));
        }
        return new Applied("APPLIED", BounceType.SOFT, evaluationId, email, suppress, null);
    }

    private Applied applied(BounceType type, Feedback.SentMessage message, String email, EvaluationState state,
            String reason) {
        if (message == null) {
            return new Applied("APPLIED", type, null, email, true, null);
        }
        boolean moved = feedback.mark(message.evaluationId(), state, reason);
        return new Applied("APPLIED", type, message.evaluationId(), email, true, moved ? state : null);
    }

    /**
     * The message flowbatch sent with this Message-ID; a Message-ID it did not make, or
     * for a message it did not send, is not found.
     */
    private Feedback.SentMessage message(String messageId) {
        return find(messageId)
            .orElseThrow(() -> new NotFoundException("No message flowbatch sent has the Message-ID " + messageId));
    }

    private Optional<Feedback.SentMessage> find(String messageId) {
        Matcher matcher = MESSAGE_ID.matcher(messageId.strip());
        if (!matcher.matches()) {
            return Optional.empty();
        }
        String normalized = "<evaluation-" + matcher.group(1) + "@" + matcher.group(2) + ">";
        return feedback.sentMessage(Long.parseLong(matcher.group(1)))
            .filter((sent) -> sent.messageId().equals(normalized));
    }

    /** A provider's address, if it looks like one. */
    private static String address(String email) {
        if (email == null) {
            return null;
        }
        String address = email.strip().toLowerCase(Locale.ROOT);
        return (address.length() <= 320 && address.indexOf('@') > 0 && !address.contains(" ")) ? address : null;
    }

    private static String diagnostic(String diagnostic) {
        if (diagnostic == null || diagnostic.isBlank()) {
            return null;
        }
        String said = diagnostic.strip().replaceAll("\\p{Cntrl}+", " ");
        return (said.length() > 1000) ? said.substring(0, 1000) : said;
    }

}
