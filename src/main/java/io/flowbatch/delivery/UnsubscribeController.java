package io.flowbatch.delivery;

import java.util.OptionalLong;

import io.flowbatch.intake.Subscriptions;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code /u/{token}}: GET shows a confirmation page, POST unsubscribes at once, which is
 * also what a mail provider's one-click unsubscribe (RFC 8058) sends. No login.
 */
@Controller
class UnsubscribeController {

    private final UnsubscribeLinks links;

    private final Subscriptions subscriptions;

    UnsubscribeController(UnsubscribeLinks links, Subscriptions subscriptions) {
        this.links = links;
        this.subscriptions = subscriptions;
    }

    @GetMapping("/u/{token}")
    String confirm(@PathVariable String token, Model model) {
        long customerId = customer(token);
        model.addAttribute("email",
                subscriptions.email(customerId).orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND)));
        model.addAttribute("token", token);
        model.addAttribute("done", false);
        return "unsubscribe";
    }

    @PostMapping("/u/{token}")
    String unsubscribe(@PathVariable String token, Model model) {
        long customerId = customer(token);
        if (!subscriptions.unsubscribe(customerId)) {
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
