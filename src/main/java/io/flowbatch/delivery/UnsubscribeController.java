package io.flowbatch.delivery;

import java.util.OptionalLong;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code /u/{token}}: GET shows a confirmation page, POST unsubscribes at once, which is also
 * what a mail provider's one-click unsubscribe (RFC 8058) sends. No login.
 */
@Controller
class UnsubscribeController {

    static final String UNSUBSCRIBE = """
            UPDATE customer SET subscription = 'UNSUBSCRIBED', unsubscribed_at = COALESCE(unsubscribed_at, now()),
                                updated_at = now()
            WHERE id = :id
            """;

    static final String SELECT_EMAIL = "SELECT email FROM customer WHERE id = :id";

    private final UnsubscribeLinks links;

    private final JdbcClient jdbc;

    UnsubscribeController(UnsubscribeLinks links, JdbcClient jdbc) {
        this.links = links;
        this.jdbc = jdbc;
    }

    @GetMapping("/u/{token}")
    String confirm(@PathVariable String token, Model model) {
        long customerId = customer(token);
        model.addAttribute("email", jdbc.sql(SELECT_EMAIL).param("id", customerId).query(String.class).optional()
            .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND)));
        model.addAttribute("token", token);
        model.addAttribute("done", false);
        return "unsubscribe";
    }

    @PostMapping("/u/{token}")
    String unsubscribe(@PathVariable String token, Model model) {
        long customerId = customer(token);
        if (jdbc.sql(UNSUBSCRIBE).param("id", customerId).update() == 0) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND);
        }
        model.addAttribute("done", true);
        return "unsubscribe";
    }

    private long customer(String token) {
        OptionalLong customerId = links.customerId(token);
        if (customerId.isEmpty()) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "This unsubscribe link is not valid.");
        }
        return customerId.getAsLong();
    }

}
