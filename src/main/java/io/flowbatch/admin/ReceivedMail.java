package io.flowbatch.admin;

import java.util.List;
import java.util.Optional;

import jakarta.mail.internet.MimeMessage;

/**
 * What a local mail sink received, for the outbox page: the zero-setup run's embedded
 * SMTP server provides it. Owned here so that admin depends on no mail sink, and a run
 * without one (a real relay) simply has no outbox.
 */
public interface ReceivedMail {

    /** The messages received so far, oldest first; empty when no sink runs. */
    Optional<List<MimeMessage>> messages();

}
