package io.flowbatch.deliverability;

/** What a recipient's mail server reported about a message it had accepted. */
public enum BounceType {

    /** Undeliverable for good (no such user, domain gone): the address is suppressed. */
    HARD,
    /** Undeliverable for now (mailbox full): recorded. */
    SOFT,
    /** The recipient reported it as spam: suppressed and unsubscribed. */
    COMPLAINT

}
