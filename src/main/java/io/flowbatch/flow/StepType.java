package io.flowbatch.flow;

import java.util.Locale;

/** What a step of a flow does when an evaluation at it is due. */
public enum StepType {

    /** Nothing: its evaluation waited its delay; the customer goes on. */
    DELAY,
    /** Sends its email. */
    EMAIL,
    /** Posts its JSON body to its URL. */
    WEBHOOK,
    /** Sends the customer to yes or no, by its condition. */
    SPLIT,
    /**
     * Sends the customer down one branch, by shares; the same customer always the same.
     */
    RANDOM;

    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static StepType ofApiName(String name) {
        for (StepType type : values()) {
            if (type.apiName().equals(name)) {
                return type;
            }
        }
        return null;
    }

}
