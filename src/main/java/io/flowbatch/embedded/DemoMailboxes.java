package io.flowbatch.embedded;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which demo addresses the zero-setup run's mail server treats as the Internet treats a
 * few of any real list: one in a hundred does not exist (refused while sending), one in a
 * hundred is accepted and bounces later. Only the demo's own addresses
 * ({@code shopperNNN@example.com}); any other is delivered.
 */
final class DemoMailboxes {

    private static final Pattern SHOPPER = Pattern.compile("shopper(\\d{1,9})@example\\.com");

    private DemoMailboxes() {
    }

    static boolean unknown(String address) {
        return number(address) % 100 == 13;
    }

    static boolean bouncesLater(String address) {
        return number(address) % 100 == 57;
    }

    private static int number(String address) {
        Matcher matcher = SHOPPER.matcher(address.strip().toLowerCase(Locale.ROOT));
        return matcher.matches() ? Integer.parseInt(matcher.group(1)) : -1;
    }

}
