package io.flowbatch.system;

/** Shared rules for free text in requests. */
public final class TextRules {

    /**
     * No control characters, CR and LF included: names and metrics end up in mail headers
     * and log lines, where a line break is an injection.
     */
    public static final String NO_CONTROL_CHARACTERS = "\\P{Cc}*";

    public static final String NO_CONTROL_CHARACTERS_MESSAGE = "must not contain control characters or line breaks";

    private TextRules() {
    }

}
