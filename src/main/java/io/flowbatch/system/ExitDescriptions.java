package io.flowbatch.system;

/** Reading Spring Batch exit descriptions, which keep a failure's stack trace as text. */
public final class ExitDescriptions {

    private ExitDescriptions() {
    }

    /**
     * The innermost cause of a stack trace kept as text, with its exception's simple
     * name: "MailServerUnavailableException: The mail server could not be reached ...".
     * Text that is no stack trace comes back as its first line.
     */
    public static String rootCause(String description) {
        if (description == null || description.isBlank()) {
            return "";
        }
        String cause = description.lines().findFirst().orElse("");
        for (String line : description.lines().toList()) {
            if (line.startsWith("Caused by: ")) {
                cause = line.substring("Caused by: ".length());
            }
        }
        return cause.replaceFirst("^[\\w.$]+\\.(\\w+(Exception|Error))", "$1");
    }

}
