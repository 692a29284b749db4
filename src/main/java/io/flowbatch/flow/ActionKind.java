package io.flowbatch.flow;

/**
 * What an action's email is to the customer, which decides the controls it passes.
 */
public enum ActionKind {

    /**
     * Promotional: goes only to subscribed customers, with one-click unsubscribe headers.
     */
    MARKETING,
    /**
     * Something the customer's own action calls for (an order confirmation, a password
     * reset): goes to unsubscribed customers too, without unsubscribe headers, never to a
     * suppressed address.
     */
    TRANSACTIONAL

}
