package io.flowbatch.delivery;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * At most {@code count} marketing emails per customer in any rolling {@code window},
 * across all flows: {@code 3/P1D}. One entry of
 * {@code flowbatch.delivery.frequency-caps}.
 */
public record FrequencyCap(int count, Duration window) {

    public FrequencyCap {
        if (count < 1) {
            throw new IllegalArgumentException("a frequency cap allows at least 1 email, not " + count);
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a frequency cap's window must be longer than zero, not " + window);
        }
    }

    /**
     * Reads {@code N/DURATION}, as the setting spells it; the binder calls this for each
     * comma-separated entry and names the property when it throws.
     */
    public static FrequencyCap valueOf(String text) {
        String[] parts = text.strip().split("/", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("a frequency cap is COUNT/DURATION such as 3/P1D, not '" + text + "'");
        }
        try {
            return new FrequencyCap(Integer.parseInt(parts[0].strip()), Duration.parse(parts[1].strip()));
        }
        catch (NumberFormatException | DateTimeParseException ex) {
            throw new IllegalArgumentException("a frequency cap is COUNT/DURATION such as 3/P1D, not '" + text + "'",
                    ex);
        }
    }

    /** As the setting spells it: {@code 3/P1D}. */
    @Override
    public String toString() {
        return count + "/" + spell(window);
    }

    /**
     * Whole days as days ({@code P7D}), as an operator writes them, not {@code PT168H}.
     */
    static String spell(Duration duration) {
        return (duration.toSeconds() % 86_400 == 0 && duration.getNano() == 0) ? "P" + duration.toDays() + "D"
                : duration.toString();
    }

}
